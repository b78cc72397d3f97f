package io.istziio.server;

import io.istziio.ring.Member;
import io.istziio.ring.RedisAuth;
import io.istziio.server.store.S3ObjectStore;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import io.istziio.server.parquet.ParquetFooter;
import java.util.Collection;
import java.util.List;

/**
 * Everything a node is started with.
 *
 * @param id the node's id; null for host:port
 * @param host the address to listen on
 * @param port the port to listen on; 0 for any free port
 * @param advertise the location clients reach this node at; null for grpc+tcp://host:port
 * @param localRoot the directory file:// paths are served from; null to serve no local files
 * @param cacheDir the disk cache's directory
 * @param cacheBytes the disk cache's bound in bytes
 * @param freshness how long an object's version is served without asking the store; after it,
 *     reads go on being served while one background revalidation runs; zero: every read asks first
 * @param missThreads downloads that may run at once
 * @param serving how DoGet streams are cut, held in memory and bounded
 * @param s3 the S3 client's settings
 * @param ring how the node finds the other members
 * @param metricsPort the HTTP port of the node's Prometheus page, /metrics; 0 serves none;
 *     {@link #ANY_METRICS_PORT} binds a free port the kernel picks ({@link Node#metricsPort()})
 * @param security TLS, tokens and what Redis needs ({@link Security#none()}: none of them)
 */
public record NodeConfig(
    String id, String host, int port, URI advertise, Path localRoot, Path cacheDir,
    long cacheBytes, Duration freshness, int missThreads, Serving serving,
    S3ObjectStore.Config s3, Ring ring, int metricsPort, Security security) {

  /**
   * A {@code metricsPort} that has the kernel pick a free port when the page is bound, so that
   * nothing can take it between choosing and binding (tests and embedded nodes).
   */
  public static final int ANY_METRICS_PORT = -1;

  public NodeConfig {
    security = security == null ? Security.none() : security;
  }

  /** A node that serves no metrics page ({@code metricsPort} 0). */
  public NodeConfig(String id, String host, int port, URI advertise, Path localRoot, Path cacheDir,
      long cacheBytes, Duration freshness, int missThreads, Serving serving,
      S3ObjectStore.Config s3, Ring ring) {
    this(id, host, port, advertise, localRoot, cacheDir, cacheBytes, freshness, missThreads,
        serving, s3, ring, 0, Security.none());
  }

  /**
   * Serving settings.
   *
   * @param memoryBytes the memory tier's bound in bytes of decoded Arrow batches; 0 turns it off
   * @param batchRows the most rows per record batch sent
   * @param batchBytes the most bytes per record batch sent (estimated from the Parquet footer
   *     before decoding), kept under gRPC's default 4 MiB message limit so that clients with
   *     default settings read every file
   * @param maxStreams DoGet streams served at once; as many more wait in a queue, and beyond that
   *     a DoGet is refused with RESOURCE_EXHAUSTED
   * @param spoolBytes the most bytes of slow clients' rows spooled to disk at once (see {@link
   *     io.istziio.server.flight.StreamSpool}); 0 turns spooling off
   */
  public record Serving(long memoryBytes, long batchRows, long batchBytes, int maxStreams,
      long spoolBytes) {

    /** 1 MiB batches: a quarter of gRPC's default message limit, room for footer misestimates. */
    public static final long DEFAULT_BATCH_BYTES = 1 << 20;
    public static final int DEFAULT_MAX_STREAMS = 256;
    /** 4 GiB: forty slow readers of a 100 MiB file, each holding one batch in memory instead. */
    public static final long DEFAULT_SPOOL_BYTES = 4L << 30;

    /**
     * A quarter of the JVM's heap limit: Arrow's buffers are direct memory, whose limit is the
     * heap's unless -XX:MaxDirectMemorySize says otherwise. The tier's bound is this figure.
     */
    public static long defaultMemoryBytes() {
      return Runtime.getRuntime().maxMemory() / 4;
    }

    public static Serving defaults() {
      return new Serving(defaultMemoryBytes(), 32_768, DEFAULT_BATCH_BYTES, DEFAULT_MAX_STREAMS,
          DEFAULT_SPOOL_BYTES);
    }

    /**
     * Rows per batch for a read of the columns under {@code paths} (as {@link
     * io.istziio.server.parquet.ColumnSelection#paths()} gives them; all when null) of a file: at
     * most {@link #batchRows}, and few enough that those columns' share of the footer's
     * uncompressed bytes stays within {@link #batchBytes}.
     */
    public long rowsPerBatch(ParquetFooter footer, Collection<List<String>> paths) {
      long bytesPerRow = Math.max(1, footer.bytes(paths) / Math.max(1, footer.rows()));
      return Math.max(1, Math.min(batchRows, batchBytes / bytesPerRow));
    }

    public Serving withMemoryBytes(long bytes) {
      return new Serving(bytes, batchRows, batchBytes, maxStreams, spoolBytes);
    }

    public Serving withBatchRows(long rows) {
      return new Serving(memoryBytes, rows, batchBytes, maxStreams, spoolBytes);
    }

    public Serving withBatchBytes(long bytes) {
      return new Serving(memoryBytes, batchRows, bytes, maxStreams, spoolBytes);
    }

    public Serving withMaxStreams(int streams) {
      return new Serving(memoryBytes, batchRows, batchBytes, streams, spoolBytes);
    }

    public Serving withSpoolBytes(long bytes) {
      return new Serving(memoryBytes, batchRows, batchBytes, maxStreams, bytes);
    }
  }

  /**
   * Cluster settings.
   *
   * @param redis the Redis holding the membership, e.g. redis://127.0.0.1:6379; null for a static
   *     member list
   * @param cluster the cluster's name in Redis
   * @param livenessTimeout how long a node that stops renewing stays in the ring
   * @param weight this node's share of the paths relative to the others
   * @param replicas owners per path, the primary included
   * @param drain how long a leaving node keeps serving after it left the ring, for clients to
   *     notice
   * @param staticMembers without Redis: the other members (this node is always one)
   * @param peerFillTimeout the most a peer may keep a miss waiting for its copy (the warm
   *     hand-off), for its first answer or any chunk after, before the miss reads S3; zero:
   *     misses go straight to S3
   */
  public record Ring(String redis, String cluster, Duration livenessTimeout, int weight,
      int replicas, Duration drain, List<Member> staticMembers, Duration peerFillTimeout) {

    /** The documented default of {@code --peer-fill-timeout}. */
    public static final Duration DEFAULT_PEER_FILL_TIMEOUT = Duration.ofSeconds(1);

    /** With the default peer-fill timeout. */
    public Ring(String redis, String cluster, Duration livenessTimeout, int weight, int replicas,
        Duration drain, List<Member> staticMembers) {
      this(redis, cluster, livenessTimeout, weight, replicas, drain, staticMembers,
          DEFAULT_PEER_FILL_TIMEOUT);
    }

    public static Ring standalone() {
      return new Ring(null, "default", Duration.ofSeconds(3), 1, 2, Duration.ZERO, List.of());
    }

    public Ring withPeerFillTimeout(Duration timeout) {
      return new Ring(redis, cluster, livenessTimeout, weight, replicas, drain, staticMembers,
          timeout);
    }

    public Ring withRedis(String uri, String clusterName, Duration timeout) {
      return new Ring(uri, clusterName, timeout, weight, replicas, drain, staticMembers,
          peerFillTimeout);
    }

    public Ring withReplicas(int count) {
      return new Ring(redis, cluster, livenessTimeout, weight, count, drain, staticMembers,
          peerFillTimeout);
    }

    public Ring withDrain(Duration duration) {
      return new Ring(redis, cluster, livenessTimeout, weight, replicas, duration, staticMembers,
          peerFillTimeout);
    }

    /** Without the Redis URI's password. */
    @Override
    public String toString() {
      return "Ring[redis=" + RedisAuth.redact(redis) + ", cluster=" + cluster
          + ", livenessTimeout=" + livenessTimeout + ", weight=" + weight + ", replicas=" + replicas
          + ", drain=" + drain + ", staticMembers=" + staticMembers
          + ", peerFillTimeout=" + peerFillTimeout + "]";
    }
  }

  /**
   * How the node protects its calls.
   *
   * @param tlsCert the PEM certificate chain the node serves TLS with (its certificate first);
   *     null: plaintext
   * @param tlsKey the unencrypted PKCS#8 PEM key of that certificate; null exactly when
   *     {@code tlsCert} is
   * @param tlsCa the PEM CA bundle the node checks its peers' certificates against; null: the
   *     node's own {@code tlsCert} chain when it serves TLS, else the JVM's trust store
   * @param tokenFile the bearer tokens every call must carry, one per line ({@link
   *     io.istziio.client.protocol.TokenFile}); null: calls need no token
   * @param redis the Redis password and CA bundle for {@code rediss://}
   */
  public record Security(Path tlsCert, Path tlsKey, Path tlsCa, Path tokenFile, RedisAuth redis) {

    public Security {
      redis = redis == null ? RedisAuth.NONE : redis;
    }

    public static Security none() {
      return new Security(null, null, null, null, RedisAuth.NONE);
    }

    public boolean tls() {
      return tlsCert != null;
    }

    /** The CA bundle for peer calls: {@link #tlsCa}, else the node's own chain; null: JVM's. */
    public Path peerCa() {
      return tlsCa != null ? tlsCa : tlsCert;
    }

    public Security withTls(Path cert, Path key) {
      return new Security(cert, key, tlsCa, tokenFile, redis);
    }

    public Security withTlsCa(Path ca) {
      return new Security(tlsCert, tlsKey, ca, tokenFile, redis);
    }

    public Security withTokenFile(Path file) {
      return new Security(tlsCert, tlsKey, tlsCa, file, redis);
    }

    public Security withRedis(RedisAuth auth) {
      return new Security(tlsCert, tlsKey, tlsCa, tokenFile, auth);
    }
  }

  /** A node on loopback at a free port: the settings tests and embedded use start from. */
  public static NodeConfig loopback(Path cacheDir, long cacheBytes) {
    return new NodeConfig(null, "127.0.0.1", 0, null, null, cacheDir, cacheBytes,
        Duration.ofMinutes(1), 8, Serving.defaults(), new S3ObjectStore.Config(null, null, false),
        Ring.standalone());
  }

  public NodeConfig withLocalRoot(Path root) {
    return new NodeConfig(id, host, port, advertise, root, cacheDir, cacheBytes, freshness,
        missThreads, serving, s3, ring, metricsPort, security);
  }

  public NodeConfig withS3(S3ObjectStore.Config config) {
    return new NodeConfig(id, host, port, advertise, localRoot, cacheDir, cacheBytes, freshness,
        missThreads, serving, config, ring, metricsPort, security);
  }

  public NodeConfig withFreshness(Duration newFreshness) {
    return new NodeConfig(id, host, port, advertise, localRoot, cacheDir, cacheBytes, newFreshness,
        missThreads, serving, s3, ring, metricsPort, security);
  }

  public NodeConfig withServing(Serving newServing) {
    return new NodeConfig(id, host, port, advertise, localRoot, cacheDir, cacheBytes, freshness,
        missThreads, newServing, s3, ring, metricsPort, security);
  }

  public NodeConfig withBatchRows(long rows) {
    return withServing(serving.withBatchRows(rows));
  }

  public NodeConfig withMemoryBytes(long bytes) {
    return withServing(serving.withMemoryBytes(bytes));
  }

  public NodeConfig withId(String newId) {
    return new NodeConfig(newId, host, port, advertise, localRoot, cacheDir, cacheBytes, freshness,
        missThreads, serving, s3, ring, metricsPort, security);
  }

  public NodeConfig withRing(Ring newRing) {
    return new NodeConfig(id, host, port, advertise, localRoot, cacheDir, cacheBytes, freshness,
        missThreads, serving, s3, newRing, metricsPort, security);
  }

  public NodeConfig withAdvertise(URI location) {
    return new NodeConfig(id, host, port, location, localRoot, cacheDir, cacheBytes, freshness,
        missThreads, serving, s3, ring, metricsPort, security);
  }

  public NodeConfig withSecurity(Security newSecurity) {
    return new NodeConfig(id, host, port, advertise, localRoot, cacheDir, cacheBytes, freshness,
        missThreads, serving, s3, ring, metricsPort, newSecurity);
  }

  public NodeConfig withMetricsPort(int newPort) {
    return new NodeConfig(id, host, port, advertise, localRoot, cacheDir, cacheBytes, freshness,
        missThreads, serving, s3, ring, newPort, security);
  }
}
