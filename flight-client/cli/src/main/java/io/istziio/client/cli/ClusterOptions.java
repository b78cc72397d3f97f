package io.istziio.client.cli;

import io.istziio.client.ClientSecurity;
import io.istziio.client.IstziioClient;
import io.istziio.ring.RedisAuth;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
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

  @Option(names = "--redis-wait", paramLabel = "SECONDS", defaultValue = "${env:ISTZIIO_REDIS_WAIT:-30}",
      description = "With --redis: how long to wait for Redis to answer and list a node before "
          + "giving up, saying what it waits for (env ISTZIIO_REDIS_WAIT). Default: ${DEFAULT-VALUE}.")
  int redisWait;

  @Option(names = "--replicas", defaultValue = "0",
      description = "Owners per path to try; 0 takes the nodes' setting. Default: ${DEFAULT-VALUE}.")
  int replicas;

  @Mixin SecurityOptions secure;

  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  /** The CA bundle, token and Redis settings these options give. */
  ClientSecurity security() {
    return secure.security();
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
    if (redisWait < 1) {
      throw new IllegalArgumentException("--redis-wait takes whole seconds, at least 1, not " + redisWait);
    }
    String redis = followRedis() ? this.redis : null;
    ClientSecurity security = security();
    IstziioClient client = redis != null
        ? IstziioClient.connectRedis(redis, cluster, replicas > 0 ? replicas : 2, security)
        : IstziioClient.connect(security, replicas, nodes.toArray(String[]::new));
    RedisWait.Outcome waited = RedisWait.Outcome.NODES;
    if (redis != null) {
      // Redis is read in the background, retried every second: wait for an answer with nodes.
      waited = new RedisWait(client, RedisAuth.redact(redis), cluster, Duration.ofSeconds(redisWait),
          command.commandLine().getErr()).await();
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
      throw new IllegalStateException(redis != null ? noNodes(redis, waited)
          : "cannot reach any istziio node at " + String.join(", ", nodes)
              + "; check --node (env ISTZIIO_NODE)");
    }
    return client;
  }

  /** Why a client following {@code redis} has no view after waiting, and what to check. */
  private String noNodes(String redis, RedisWait.Outcome waited) {
    String shown = RedisAuth.redact(redis);
    String tls = redis.startsWith("rediss://")
        ? "; over TLS, give Redis's CA with --redis-tls-ca or --tls-ca, and its password with "
            + "--redis-password-file or ISTZIIO_REDIS_PASSWORD"
        : "";
    return waited == RedisWait.Outcome.REDIS_SILENT
        ? "Redis at " + shown + " did not answer within " + redisWait + " s (--redis-wait): is it "
            + "running and reachable from here" + tls + "?"
        : "no istziio nodes of cluster \"" + cluster + "\" in the Redis at " + shown + " after "
            + redisWait + " s (--redis-wait): are nodes started with --redis " + shown
            + " --cluster " + cluster + "?";
  }

  /**
   * The --node locations when given on the command line (not from the environment), for commands
   * that act on exactly those nodes; null otherwise.
   */
  List<String> explicitNodes() {
    return command.commandLine().getParseResult().hasMatchedOption("--node") ? nodes : null;
  }

  /** The first seed, for commands that talk to one node. */
  String firstNode() {
    return nodes.get(0);
  }
}
