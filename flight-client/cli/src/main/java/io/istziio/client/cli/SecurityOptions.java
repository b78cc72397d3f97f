package io.istziio.client.cli;

import io.istziio.client.ClientSecurity;
import io.istziio.ring.RedisAuth;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * How a command reaches secured nodes and Redis: the CA bundle, the token file, the Redis
 * password and CA. Every command that connects has these options.
 */
final class SecurityOptions {

  @Option(names = "--tls-ca", paramLabel = "FILE", defaultValue = "${env:ISTZIIO_TLS_CA}",
      description = "PEM CA bundle that grpc+tls:// nodes' certificates are checked against "
          + "(env ISTZIIO_TLS_CA). Default: the JVM's trust store.")
  Path tlsCa;

  @Option(names = "--token-file", paramLabel = "FILE", defaultValue = "${env:ISTZIIO_TOKEN_FILE}",
      description = "Token file (the node's format); its first admin token, else its first token, "
          + "is sent on every call (env ISTZIIO_TOKEN_FILE). Default: no token.")
  Path tokenFile;

  @Option(names = "--redis-password-file", paramLabel = "FILE",
      defaultValue = "${env:ISTZIIO_REDIS_PASSWORD_FILE}",
      description = "With --redis: a file whose first line is the Redis password "
          + "(env ISTZIIO_REDIS_PASSWORD_FILE, or the password in env ISTZIIO_REDIS_PASSWORD).")
  Path redisPasswordFile;

  @Option(names = "--redis-tls-ca", paramLabel = "FILE", defaultValue = "${env:ISTZIIO_REDIS_TLS_CA}",
      description = "With a rediss:// --redis: the PEM CA bundle of its certificate "
          + "(env ISTZIIO_REDIS_TLS_CA). Default: --tls-ca, else the JVM's trust store.")
  Path redisTlsCa;

  /** The CA bundle, token and Redis settings these options give. */
  ClientSecurity security() {
    Path ca = given(tlsCa);
    Path redisCa = given(redisTlsCa);
    String password = System.getenv("ISTZIIO_REDIS_PASSWORD");
    ClientSecurity security = ClientSecurity.none().withRedis(RedisAuth.of(
        password == null || password.isEmpty() ? null : password, given(redisPasswordFile),
        redisCa != null ? redisCa : ca));
    if (ca != null) {
      security = security.withTrustedCertificates(ca);
    }
    return given(tokenFile) != null ? security.withTokenFile(tokenFile) : security;
  }

  /** Null for an option not given, or set to "" through an empty environment variable. */
  private static Path given(Path path) {
    return path == null || path.toString().isEmpty() ? null : path;
  }
}
