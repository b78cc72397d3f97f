package io.istziio.server;

import io.istziio.server.store.S3ObjectStore;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

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
 * @param freshness how long an object's version is trusted before asking the store again
 * @param missThreads downloads that may run at once
 * @param batchRows rows per record batch sent
 * @param s3 the S3 client's settings
 */
public record NodeConfig(
    String id, String host, int port, URI advertise, Path localRoot, Path cacheDir,
    long cacheBytes, Duration freshness, int missThreads, long batchRows,
    S3ObjectStore.Config s3) {

  /** A node on loopback at a free port: the settings tests and embedded use start from. */
  public static NodeConfig loopback(Path cacheDir, long cacheBytes) {
    return new NodeConfig(null, "127.0.0.1", 0, null, null, cacheDir, cacheBytes,
        Duration.ofMinutes(1), 8, 32_768, new S3ObjectStore.Config(null, null, false));
  }

  public NodeConfig withLocalRoot(Path root) {
    return new NodeConfig(id, host, port, advertise, root, cacheDir, cacheBytes, freshness,
        missThreads, batchRows, s3);
  }

  public NodeConfig withS3(S3ObjectStore.Config config) {
    return new NodeConfig(id, host, port, advertise, localRoot, cacheDir, cacheBytes, freshness,
        missThreads, batchRows, config);
  }

  public NodeConfig withPort(int newPort) {
    return new NodeConfig(id, host, newPort, advertise, localRoot, cacheDir, cacheBytes, freshness,
        missThreads, batchRows, s3);
  }

  public NodeConfig withFreshness(Duration newFreshness) {
    return new NodeConfig(id, host, port, advertise, localRoot, cacheDir, cacheBytes, newFreshness,
        missThreads, batchRows, s3);
  }

  public NodeConfig withBatchRows(long rows) {
    return new NodeConfig(id, host, port, advertise, localRoot, cacheDir, cacheBytes, freshness,
        missThreads, rows, s3);
  }
}
