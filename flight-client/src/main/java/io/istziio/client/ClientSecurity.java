package io.istziio.client;

import io.grpc.netty.GrpcSslContexts;
import io.istziio.client.protocol.TokenFile;
import io.istziio.ring.RedisAuth;
import io.netty.handler.ssl.SslContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * How a client reaches secured nodes: the CA bundle that {@code grpc+tls://} nodes' certificates
 * are checked against, the bearer token sent on every call ({@code authorization: Bearer ...}),
 * and what its Redis needs ({@link RedisAuth}). Immutable; {@link #toString} never shows the
 * token.
 *
 * <pre>{@code
 * ClientSecurity security = ClientSecurity.none()
 *     .withTrustedCertificates(Path.of("ca.pem"))
 *     .withTokenFile(Path.of("tokens"));   // or withToken("...")
 * IstziioClient client = IstziioClient.connect(security, 0, "grpc+tls://node1:8815");
 * }</pre>
 */
public final class ClientSecurity {

  private static final ClientSecurity NONE = new ClientSecurity(null, () -> null, RedisAuth.NONE);

  private final byte[] trustedCertificates;
  private final Supplier<String> token;
  private final RedisAuth redis;

  private ClientSecurity(byte[] trustedCertificates, Supplier<String> token, RedisAuth redis) {
    this.trustedCertificates = trustedCertificates;
    this.token = token;
    this.redis = redis;
  }

  /** No token, the JVM's default trust store for TLS, a Redis without password. */
  public static ClientSecurity none() {
    return NONE;
  }

  /**
   * Trusts the CA certificates in {@code pem} (one or more PEM {@code CERTIFICATE} blocks) for
   * {@code grpc+tls://} nodes, instead of the JVM's default trust store.
   *
   * @throws IllegalArgumentException {@code pem} holds no certificate
   */
  public ClientSecurity withTrustedCertificates(byte[] pem) {
    byte[] copy = pem.clone();
    sslContext(copy, "the CA bundle given"); // fails now rather than at the first call
    return new ClientSecurity(copy, token, redis);
  }

  /** {@link #withTrustedCertificates(byte[])} of the PEM file at {@code path}. */
  public ClientSecurity withTrustedCertificates(Path path) {
    byte[] pem;
    try {
      pem = Files.readAllBytes(path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the CA bundle " + path + ": " + e.getMessage(), e);
    }
    sslContext(pem, "the CA bundle " + path);
    return new ClientSecurity(pem, token, redis);
  }

  /** Sends {@code bearerToken} on every call; null sends none. */
  public ClientSecurity withToken(String bearerToken) {
    return new ClientSecurity(trustedCertificates, () -> bearerToken, redis);
  }

  /** Sends the supplier's token on every call, asked anew at each call (null: none). */
  public ClientSecurity withToken(Supplier<String> bearerToken) {
    return new ClientSecurity(trustedCertificates, bearerToken, redis);
  }

  /**
   * Sends the token a client takes from a token file (its format: {@link TokenFile}): the first
   * admin token, else the first token. Read once, now.
   *
   * @throws UncheckedIOException the file cannot be read
   * @throws IllegalArgumentException the file is not a token file (the message names the line)
   */
  public ClientSecurity withTokenFile(Path path) {
    try {
      return withToken(TokenFile.clientToken(TokenFile.read(path)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the token file " + path + ": " + e.getMessage(), e);
    }
  }

  /** The password and CA bundle of the Redis a {@link IstziioClient#connectRedis} client follows. */
  public ClientSecurity withRedis(RedisAuth auth) {
    return new ClientSecurity(trustedCertificates, token, auth == null ? RedisAuth.NONE : auth);
  }

  /** The token to send now, or null. */
  String token() {
    return token.get();
  }

  RedisAuth redis() {
    return redis;
  }

  /** The TLS settings of {@code grpc+tls://} channels. */
  SslContext sslContext() {
    return sslContext(trustedCertificates, "the CA bundle");
  }

  private static SslContext sslContext(byte[] pem, String what) {
    try {
      return pem == null ? GrpcSslContexts.forClient().build()
          : GrpcSslContexts.forClient().trustManager(new ByteArrayInputStream(pem)).build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " is not a PEM file of CA certificates: "
          + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "ClientSecurity[CA " + (trustedCertificates != null ? "given" : "the JVM's trust store")
        + ", token " + (token.get() != null ? "set" : "none") + ", " + redis + "]";
  }
}
