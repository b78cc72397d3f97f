package io.istziio.server;

import io.istziio.ring.Member;
import io.istziio.server.store.S3ObjectStore;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
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
 * @param batchRows rows per record batch sent
 * @param s3 the S3 client's settings
 * @param ring how the node finds the other members
 */
public record NodeConfig(
    String id, String host, int port, URI advertise, Path localRoot, Path cacheDir,
    long cacheBytes, Duration freshness, int missThreads, long batchRows,
    S3ObjectStore.Config s3, Ring ring) {

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
   */
  public record Ring(String redis, String cluster, Duration livenessTimeout, int weight,
      int replicas, Duration drain, List<Member> staticMembers) {

    public static Ring standalone() {
      return new Ring(null, "default", Duration.ofSeconds(3), 1, 2, Duration.ZERO, List.of());
    }

    public Ring withRedis(String uri, String clusterName, Duration timeout) {
      return new Ring(uri, clusterName, timeout, weight, replicas, drain, staticMembers);
    }

    public Ring withReplicas(int count) {
      return new Ring(redis, cluster, livenessTimeout, weight, count, drain, staticMembers);
    }

    public Ring withDrain(Duration duration) {
      return new Ring(redis, cluster, livenessTimeout, weight, replicas, duration, staticMembers);
    }
  }

  /** A node on loopback at a free port: the settings tests and embedded use start from. */
  public static NodeConfig loopback(Path cacheDir, long cacheBytes) {
    return new NodeConfig(null, "127.0.0.1", 0, null, null, cacheDir, cacheBytes,
        Duration.ofMinutes(1), 8, 32_768, new S3ObjectStore.Config(null, null, false),
        Ring.standalone());
  }

  public NodeConfig withLocalRoot(Path root) {
    return new NodeConfig(id, host, port, advertise, root, cacheDir, cacheBytes, freshness,
        missThreads, batchRows, s3, ring);
  }

  public NodeConfig withS3(S3ObjectStore.Config config) {
    return new NodeConfig(id, host, port, advertise, localRoot, cacheDir, cacheBytes, freshness,
        missThreads, batchRows, config, ring);
  }

  public NodeConfig withFreshness(Duration newFreshness) {
    return new NodeConfig(id, host, port, advertise, localRoot, cacheDir, cacheBytes, newFreshness,
        missThreads, batchRows, s3, ring);
  }

  public NodeConfig withBatchRows(long rows) {
    return new NodeConfig(id, host, port, advertise, localRoot, cacheDir, cacheBytes, freshness,
        missThreads, rows, s3, ring);
  }

  public NodeConfig withId(String newId) {
    return new NodeConfig(newId, host, port, advertise, localRoot, cacheDir, cacheBytes, freshness,
        missThreads, batchRows, s3, ring);
  }

  public NodeConfig withRing(Ring newRing) {
    return new NodeConfig(id, host, port, advertise, localRoot, cacheDir, cacheBytes, freshness,
        missThreads, batchRows, s3, newRing);
  }
}
