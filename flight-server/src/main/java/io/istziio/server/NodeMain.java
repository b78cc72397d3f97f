package io.istziio.server;

import io.istziio.client.protocol.ByteSizes;
import io.istziio.ring.Member;
import io.istziio.ring.RedisAuth;
import io.istziio.server.store.S3ObjectStore;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code istziio-node}: runs one node until it is stopped (SIGINT or SIGTERM). */
@Command(name = "istziio-node", mixinStandardHelpOptions = true, sortOptions = false,
    usageHelpWidth = 100,
    description = "Serves Parquet objects from S3 or a local directory over Arrow Flight, through "
        + "a memory tier of decoded batches and a disk cache. An option not given falls back to "
        + "the environment variable shown, then to its key in the config file (--config), then "
        + "to its default.",
    footer = "%nS3 credentials come from the AWS default chain (AWS_ACCESS_KEY_ID and "
        + "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, instance roles), never from flags.")
public final class NodeMain implements Callable<Integer> {

  /** Options whose environment variable is not ISTZIIO_ and the option's name. */
  private static final Map<String, String> RENAMED_VARIABLES = Map.of("id", "ISTZIIO_NODE_ID");

  @Option(names = "--config", paramLabel = "FILE",
      description = "Java properties file of defaults for the other options: keys are the long "
          + "option names without dashes, e.g. cache-size=50GiB; flags and environment variables "
          + "win over it (env ISTZIIO_CONFIG). Default: none.")
  Path config;

  @Option(names = "--id",
      description = "Node id (env ISTZIIO_NODE_ID). Default: host:port.")
  String id;

  @Option(names = "--host", defaultValue = "127.0.0.1",
      description = "Address to listen on (env ISTZIIO_HOST). Default: ${DEFAULT-VALUE}.")
  String host;

  @Option(names = "--port", defaultValue = "8815",
      description = "Port to listen on, 0 for any free port (env ISTZIIO_PORT). "
          + "Default: ${DEFAULT-VALUE}.")
  int port;

  @Option(names = "--metrics-port", defaultValue = "9464",
      description = "HTTP port of the Prometheus page, http://host:port/metrics; 0 serves none "
          + "(env ISTZIIO_METRICS_PORT). Nodes sharing a machine need distinct ports. "
          + "Default: ${DEFAULT-VALUE}.")
  int metricsPort;

  @Option(names = "--advertise",
      description = "Location clients reach this node at, e.g. grpc+tcp://node1:8815 "
          + "(env ISTZIIO_ADVERTISE). Default: grpc+tcp://host:port (grpc+tls:// with --tls-cert); "
          + "required with --host 0.0.0.0.")
  URI advertise;

  @Option(names = "--local-root",
      description = "Directory whose files are served as file:///... paths "
          + "(env ISTZIIO_LOCAL_ROOT). Default: none, only s3:// paths.")
  Path localRoot;

  @Option(names = "--cache-dir", defaultValue = "istziio-cache",
      description = "Disk cache directory; kept across restarts (env ISTZIIO_CACHE_DIR). "
          + "Default: ${DEFAULT-VALUE}.")
  Path cacheDir;

  @Option(names = "--cache-size", defaultValue = "10GiB",
      converter = ByteSizeConverter.class,
      description = "Bound of the disk cache in bytes; suffixes KiB, MiB, GiB, TiB (and KB, MB, "
          + "GB, TB) allowed (env ISTZIIO_CACHE_SIZE). Default: ${DEFAULT-VALUE}.")
  long cacheBytes;

  @Option(names = "--freshness", defaultValue = "60",
      description = "Seconds an object's version (ETag) is served without asking the store; "
          + "after that it is still served at once while one background request per object "
          + "revalidates it. 0 confirms with the store before every request "
          + "(env ISTZIIO_FRESHNESS). Default: ${DEFAULT-VALUE}.")
  long freshnessSeconds;

  @Option(names = "--miss-threads", defaultValue = "8",
      description = "Downloads that may run at once; hits never wait for them "
          + "(env ISTZIIO_MISS_THREADS). Default: ${DEFAULT-VALUE}.")
  int missThreads;

  @Option(names = "--memory-size",
      converter = ByteSizeConverter.class,
      description = "Bound of the memory tier (decoded Arrow batches of hot files) in bytes, with "
          + "the same suffixes as --cache-size; 0 turns it off (env ISTZIIO_MEMORY_SIZE). "
          + "Default: a quarter of the JVM's heap limit, which is also its direct memory limit.")
  Long memoryBytes;

  @Option(names = "--batch-rows", defaultValue = "32768",
      description = "Most rows per Arrow record batch sent (env ISTZIIO_BATCH_ROWS). "
          + "Default: ${DEFAULT-VALUE}.")
  long batchRows;

  @Option(names = "--batch-bytes", defaultValue = "1MiB",
      converter = ByteSizeConverter.class,
      description = "Most bytes per Arrow record batch sent, estimated from the Parquet footer; "
          + "keep it under 4 MiB, gRPC's default message limit in most Flight clients "
          + "(env ISTZIIO_BATCH_BYTES). Default: ${DEFAULT-VALUE}.")
  long batchBytes;

  @Option(names = "--max-streams", defaultValue = "256",
      description = "DoGet streams served at once; as many more wait, and beyond that a DoGet "
          + "gets RESOURCE_EXHAUSTED (env ISTZIIO_MAX_STREAMS). Default: ${DEFAULT-VALUE}.")
  int maxStreams;

  @Option(names = "--spool-size", defaultValue = "4GiB",
      converter = ByteSizeConverter.class,
      description = "Most bytes of slow clients' rows spooled to disk at once (in the cache "
          + "directory's spool/): a disk-tier stream whose client makes it wait 500 ms for a "
          + "batch has its remaining rows decoded into a file and its scanner closed, so it holds "
          + "one batch of memory; 0 turns spooling off (env ISTZIIO_SPOOL_SIZE). "
          + "Default: ${DEFAULT-VALUE}.")
  long spoolBytes;

  @Option(names = "--s3-endpoint",
      description = "S3-compatible endpoint, e.g. http://127.0.0.1:9000 (env ISTZIIO_S3_ENDPOINT). "
          + "Default: AWS.")
  URI s3Endpoint;

  @Option(names = "--s3-region",
      description = "S3 signing region (env ISTZIIO_S3_REGION). Default: the AWS region chain "
          + "(AWS_REGION, profile), else us-east-1.")
  String s3Region;

  @Option(names = "--s3-path-style", defaultValue = "false",
      fallbackValue = "true", arity = "0..1",
      description = "Address buckets as endpoint/bucket/key, as most S3-compatible servers need "
          + "(env ISTZIIO_S3_PATH_STYLE). Default: ${DEFAULT-VALUE}.")
  boolean s3PathStyle;

  @Option(names = "--redis",
      description = "Redis holding the cluster's membership, e.g. redis://127.0.0.1:6379; any node "
          + "of a Redis Cluster will do (env ISTZIIO_REDIS). Default: none, a static member list.")
  String redis;

  @Option(names = "--cluster", defaultValue = "default",
      description = "The cluster's name in Redis; clusters sharing a Redis do not see each other "
          + "(env ISTZIIO_CLUSTER). Default: ${DEFAULT-VALUE}.")
  String cluster;

  @Option(names = "--members", split = ",", paramLabel = "ID=LOCATION",
      description = "Without --redis: the other members, e.g. n2=grpc+tcp://10.0.0.2:8815,... "
          + "(env ISTZIIO_MEMBERS). Default: this node alone.")
  List<String> members;

  @Option(names = "--weight", defaultValue = "1",
      description = "This node's share of the paths relative to the others (env ISTZIIO_WEIGHT). "
          + "Default: ${DEFAULT-VALUE}.")
  int weight;

  @Option(names = "--replicas", defaultValue = "2",
      description = "Owners per path, the primary included; GetFlightInfo lists them all "
          + "(env ISTZIIO_REPLICAS). Default: ${DEFAULT-VALUE}.")
  int replicas;

  @Option(names = "--liveness-timeout", defaultValue = "3000",
      description = "Milliseconds a node that stops renewing its Redis entry stays in the ring; it "
          + "renews every third of it (env ISTZIIO_LIVENESS_TIMEOUT). Default: ${DEFAULT-VALUE}.")
  long livenessMillis;

  @Option(names = "--drain", defaultValue = "2000",
      description = "Milliseconds a stopping node keeps serving after it left the ring, for "
          + "clients to notice (env ISTZIIO_DRAIN). Default: ${DEFAULT-VALUE}.")
  long drainMillis;

  @Option(names = "--peer-fill-timeout", defaultValue = "1000",
      description = "Milliseconds a peer may keep a miss waiting for its copy of the object (the "
          + "warm hand-off after a ring change), for its first answer or any chunk after, before "
          + "the miss reads S3; 0 turns the hand-off off "
          + "(env ISTZIIO_PEER_FILL_TIMEOUT). Default: ${DEFAULT-VALUE}.")
  long peerFillMillis;

  @Option(names = "--tls-cert", paramLabel = "FILE",
      description = "PEM certificate chain (the node's certificate first) to serve TLS with; needs "
          + "--tls-key. The node is then reached at grpc+tls://host:port (env ISTZIIO_TLS_CERT). "
          + "Default: plaintext.")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE",
      description = "Unencrypted PKCS#8 PEM key of --tls-cert (BEGIN PRIVATE KEY) "
          + "(env ISTZIIO_TLS_KEY).")
  Path tlsKey;

  @Option(names = "--tls-ca", paramLabel = "FILE",
      description = "PEM CA bundle the node checks its peers' certificates against when it calls "
          + "them (env ISTZIIO_TLS_CA). Default: the --tls-cert chain.")
  Path tlsCa;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "Bearer tokens every call must carry, one per line: TOKEN, TOKEN node or "
          + "TOKEN admin; # comments. Re-read within a second of a change "
          + "(env ISTZIIO_TOKEN_FILE). Default: no token needed.")
  Path tokenFile;

  @Option(names = "--redis-password-file", paramLabel = "FILE",
      description = "File whose first line is the Redis password (env ISTZIIO_REDIS_PASSWORD_FILE); "
          + "or the password itself in env ISTZIIO_REDIS_PASSWORD, never a flag. Default: none.")
  Path redisPasswordFile;

  @Option(names = "--redis-tls-ca", paramLabel = "FILE",
      description = "PEM CA bundle a rediss:// Redis's certificate is checked against "
          + "(env ISTZIIO_REDIS_TLS_CA). Default: --tls-ca if given, else the JVM's trust store.")
  Path redisTlsCa;

  @Override
  public Integer call() throws Exception {
    NodeConfig.Ring ring = new NodeConfig.Ring(redis, cluster, Duration.ofMillis(livenessMillis),
        weight, replicas, Duration.ofMillis(drainMillis), staticMembers(),
        Duration.ofMillis(peerFillMillis));
    NodeConfig config = new NodeConfig(id, host, port, advertise, localRoot, cacheDir, cacheBytes,
        Duration.ofSeconds(freshnessSeconds), missThreads,
        new NodeConfig.Serving(memoryBytes != null ? memoryBytes
            : NodeConfig.Serving.defaultMemoryBytes(), batchRows, batchBytes, maxStreams,
            spoolBytes),
        new S3ObjectStore.Config(s3Endpoint, s3Region, s3PathStyle), ring, metricsPort,
        security());
    Node node = Node.start(config);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.close();
      } catch (Exception e) {
        System.err.println("istziio-node: error while stopping: " + e);
      }
      // Last: writes out the request lines still queued for the log (AsyncAppender).
      if (org.slf4j.LoggerFactory.getILoggerFactory()
          instanceof ch.qos.logback.classic.LoggerContext logback) {
        logback.stop();
      }
    }, "istziio-shutdown"));
    System.out.println("istziio node " + node.id() + " serving at " + node.uri());
    if (node.metricsPort() != 0) {
      System.out.println("istziio node " + node.id() + " metrics at http://" + host + ":"
          + node.metricsPort() + "/metrics");
    }
    System.out.flush();
    node.awaitTermination();
    return 0;
  }

  private NodeConfig.Security security() {
    String password = System.getenv("ISTZIIO_REDIS_PASSWORD");
    Path ca = given(tlsCa);
    Path redisCa = given(redisTlsCa);
    RedisAuth redisAuth = RedisAuth.of(password == null || password.isEmpty() ? null : password,
        given(redisPasswordFile), redisCa != null ? redisCa : ca);
    return new NodeConfig.Security(given(tlsCert), given(tlsKey), ca, given(tokenFile), redisAuth);
  }

  /** Null for a file option not given, or set to "" through an empty environment variable. */
  private static Path given(Path path) {
    return path == null || path.toString().isEmpty() ? null : path;
  }

  private List<Member> staticMembers() {
    List<Member> list = new ArrayList<>();
    for (String entry : members == null ? List.<String>of() : members) {
      int split = entry.indexOf('=');
      if (split <= 0) {
        throw new CommandLine.ParameterException(new CommandLine(this),
            "--members takes ID=LOCATION pairs, e.g. n2=grpc+tcp://10.0.0.2:8815; got " + entry);
      }
      list.add(new Member(entry.substring(0, split), entry.substring(split + 1), 1));
    }
    return list;
  }

  public static void main(String[] args) {
    System.exit(commandLine(System.getenv()).execute(args));
  }

  /**
   * The command line of a new node command whose options fall back to {@code environment}, then
   * to the config file (see {@link NodeDefaults}). An error in the input prints one line that says
   * where the bad value came from, not the whole usage.
   */
  static CommandLine commandLine(Map<String, String> environment) {
    CommandLine commandLine = new CommandLine(new NodeMain());
    NodeDefaults defaults = NodeDefaults.install(commandLine, environment, RENAMED_VARIABLES);
    commandLine.setParameterExceptionHandler((e, args) -> {
      String origin = e.getArgSpec() != null ? defaults.origin(e.getArgSpec()) : null;
      e.getCommandLine().getErr().println("istziio-node: " + e.getMessage()
          + (origin != null ? " (from the " + origin + ")" : ""));
      e.getCommandLine().getErr().println("Run istziio-node --help for the options.");
      return e.getCommandLine().getCommandSpec().exitCodeOnInvalidInput();
    });
    commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("istziio-node: " + e.getMessage());
      return 1;
    });
    return commandLine;
  }

  /** Parses byte counts such as 1048576, 512MiB or 10GB (see {@link ByteSizes}). */
  static final class ByteSizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      try {
        return ByteSizes.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
