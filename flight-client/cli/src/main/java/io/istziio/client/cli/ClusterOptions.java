package io.istziio.client.cli;

import io.istziio.client.ClientSecurity;
import io.istziio.client.IstziioClient;
import io.istziio.ring.RedisAuth;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/** How a command reaches the cluster: seed nodes, or the Redis that holds the membership. */
final class ClusterOptions {

  @Option(names = "--node", paramLabel = "LOCATION", split = ",",
      defaultValue = "${env:ISTZIIO_NODE:-grpc+tcp://127.0.0.1:8815}",
      description = "Node(s) to learn the ring from, comma-separated (env ISTZIIO_NODE). "
          + "Default: ${DEFAULT-VALUE}.")
  List<String> nodes;

  @Option(names = "--redis", paramLabel = "URI", defaultValue = "${env:ISTZIIO_REDIS}",
      description = "Follow the membership in this Redis instead of asking the nodes "
          + "(env ISTZIIO_REDIS, which an explicit --node overrides).")
  String redis;

  @Option(names = "--cluster", defaultValue = "${env:ISTZIIO_CLUSTER:-default}",
      description = "The cluster's name in Redis (env ISTZIIO_CLUSTER). Default: ${DEFAULT-VALUE}.")
  String cluster;

  @Option(names = "--replicas", defaultValue = "0",
      description = "Owners per path to try; 0 takes the nodes' setting. Default: ${DEFAULT-VALUE}.")
  int replicas;

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

  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

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

  /** A client of the node at {@code location} alone, with these options' security. */
  IstziioClient connect(String location) {
    return IstziioClient.connect(security(), 0, location);
  }

  /**
   * Whether to follow Redis: --redis given, or ISTZIIO_REDIS set and no --node given (a flag on the
   * command line beats the environment).
   */
  private boolean followRedis() {
    if (redis == null) {
      return false;
    }
    ParseResult parsed = command.commandLine().getParseResult();
    return parsed.hasMatchedOption("--redis") || !parsed.hasMatchedOption("--node");
  }

  /** A client with a ring view, or an error naming the addresses that did not answer. */
  IstziioClient connect() throws Exception {
    String redis = followRedis() ? this.redis : null;
    ClientSecurity security = security();
    IstziioClient client = redis != null
        ? IstziioClient.connectRedis(redis, cluster, replicas > 0 ? replicas : 2, security)
        : IstziioClient.connect(security, replicas, nodes.toArray(String[]::new));
    // Redis is read in the background; a cold JVM on a loaded machine took 8 s to its first
    // TLS connection to Redis.
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (client.view().isEmpty() && redis != null && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    if (client.view().isEmpty() && redis == null) {
      // Say why the first seed did not answer (a token refused, a TLS handshake failed...).
      try {
        NodeCalls.at(nodes.get(0), () -> client.ring(nodes.get(0)));
      } catch (RuntimeException e) {
        client.close();
        throw e;
      }
    }
    if (client.view().isEmpty()) {
      client.close();
      throw new IllegalStateException(redis != null
          ? "no istziio nodes of cluster \"" + cluster + "\" in the Redis at "
              + RedisAuth.redact(redis) + " (is it reachable, and are nodes started with --redis "
              + RedisAuth.redact(redis) + "?)"
          : "cannot reach any istziio node at " + String.join(", ", nodes)
              + "; check --node (env ISTZIIO_NODE)");
    }
    return client;
  }

  /** The first seed, for commands that talk to one node. */
  String firstNode() {
    return nodes.get(0);
  }
}
