package io.istziio.ring.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway CA and a server certificate it signed, for loopback (IP 127.0.0.1 and DNS
 * localhost), as PEM files in a directory: what a TLS node or Redis and their clients need in a
 * test. {@link #otherCa} is a second CA that signed nothing, for clients that must fail.
 *
 * @param ca the CA's certificate (the bundle clients trust)
 * @param cert the server's certificate chain: its certificate, then the CA's
 * @param key the server's key, unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY})
 * @param otherCa a CA certificate unrelated to {@code cert}
 */
public record TestCertificates(Path ca, Path cert, Path key, Path otherCa) {

  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  /** Makes the files in {@code directory} (EC P-256 keys, valid from a minute ago for a day). */
  public static TestCertificates create(Path directory) throws IOException {
    try {
      Files.createDirectories(directory);
      KeyPair caKeys = keyPair();
      X500Name caName = new X500Name("CN=istziio test CA");
      X509Certificate ca = sign(caName, caName, caKeys, caKeys.getPrivate(), true);
      KeyPair serverKeys = keyPair();
      X509Certificate server = sign(new X500Name("CN=localhost"), caName, serverKeys,
          caKeys.getPrivate(), false);
      KeyPair otherKeys = keyPair();
      X500Name otherName = new X500Name("CN=istziio other CA");
      X509Certificate other = sign(otherName, otherName, otherKeys, otherKeys.getPrivate(), true);

      TestCertificates files = new TestCertificates(directory.resolve("ca.pem"),
          directory.resolve("server.pem"), directory.resolve("server.key"),
          directory.resolve("other-ca.pem"));
      Files.writeString(files.ca(), pem(ca));
      Files.writeString(files.cert(), pem(server) + pem(ca));
      Files.writeString(files.key(), pkcs8(serverKeys.getPrivate()));
      Files.writeString(files.otherCa(), pem(other));
      return files;
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("cannot make test certificates: " + e, e);
    }
  }

  private static KeyPair keyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  private static X509Certificate sign(X500Name subject, X500Name issuer, KeyPair subjectKeys,
      PrivateKey issuerKey, boolean isCa)
      throws GeneralSecurityException, OperatorCreationException, IOException {
    Instant now = Instant.now();
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
        BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofMinutes(1))),
        Date.from(now.plus(Duration.ofDays(1))), subject, subjectKeys.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
    if (isCa) {
      builder.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    } else {
      builder.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
          new GeneralName[] {new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
              new GeneralName(GeneralName.dNSName, "localhost")}));
    }
    return new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
  }

  private static String pem(X509Certificate certificate) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(certificate);
    }
    return out.toString();
  }

  private static String pkcs8(PrivateKey key) {
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }
}
