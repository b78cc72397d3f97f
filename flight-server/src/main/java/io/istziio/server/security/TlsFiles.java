package io.istziio.server.security;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;

/**
 * Checks a node's {@code --tls-cert} and {@code --tls-key} before it serves with them, so that a
 * wrong file fails the start with a message saying what to fix instead of failing every client's
 * handshake: the chain is PEM certificates, the first one valid now; the key is an unencrypted
 * PKCS#8 PEM key (what Flight's TLS reads) and belongs to that certificate.
 */
public final class TlsFiles {

  private static final String BEGIN_KEY = "-----BEGIN PRIVATE KEY-----";
  private static final String END_KEY = "-----END PRIVATE KEY-----";

  private TlsFiles() {}

  /**
   * @throws IllegalArgumentException what is wrong with either file, naming the flag
   */
  public static void check(Path certChain, Path key) {
    X509Certificate leaf = certificates(certChain, "--tls-cert").get(0);
    try {
      leaf.checkValidity(new Date());
    } catch (CertificateException e) {
      throw new IllegalArgumentException("--tls-cert " + certChain + ": the certificate is not "
          + "valid now (" + leaf.getNotBefore() + " to " + leaf.getNotAfter() + ")");
    }
    PrivateKey privateKey = privateKey(key);
    if (!matches(privateKey, leaf)) {
      throw new IllegalArgumentException("--tls-key " + key + " is not the key of the first "
          + "certificate in --tls-cert " + certChain + " (" + leaf.getSubjectX500Principal() + ")");
    }
  }

  /** The PEM certificates of {@code file}, at least one. */
  public static List<X509Certificate> certificates(Path file, String flag) {
    try (InputStream in = Files.newInputStream(file)) {
      List<X509Certificate> certificates = new ArrayList<>();
      CertificateFactory.getInstance("X.509").generateCertificates(in)
          .forEach(c -> certificates.add((X509Certificate) c));
      if (certificates.isEmpty()) {
        throw new IllegalArgumentException(flag + " " + file + " holds no PEM certificate");
      }
      return certificates;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + flag + " " + file + ": " + e, e);
    } catch (CertificateException e) {
      throw new IllegalArgumentException(flag + " " + file + " is not a PEM certificate chain: "
          + e.getMessage(), e);
    }
  }

  private static PrivateKey privateKey(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read --tls-key " + file + ": " + e, e);
    }
    int begin = text.indexOf(BEGIN_KEY);
    int end = text.indexOf(END_KEY);
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException("--tls-key " + file + " is not an unencrypted PKCS#8 PEM "
          + "key (BEGIN PRIVATE KEY); convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out "
          + "KEY.pk8");
    }
    byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + BEGIN_KEY.length(), end));
    for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448", "DSA")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException notThisOne) {
        // try the next algorithm
      }
    }
    throw new IllegalArgumentException("--tls-key " + file + ": not an RSA, EC, EdDSA or DSA key");
  }

  /** Whether a signature made with {@code key} verifies with the certificate's public key. */
  private static boolean matches(PrivateKey key, X509Certificate certificate) {
    if (!key.getAlgorithm().equals(certificate.getPublicKey().getAlgorithm())) {
      return false;
    }
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "DSA" -> "SHA256withDSA";
      default -> key.getAlgorithm(); // Ed25519, Ed448
    };
    try {
      byte[] probe = "istziio".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
