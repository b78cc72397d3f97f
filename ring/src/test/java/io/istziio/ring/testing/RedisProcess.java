package io.istziio.ring.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server process on a free loopback port, for tests: the one on PATH, else the Linux
 * x86-64 build shipped in the embedded-redis jar. Nothing is persisted; a restart comes back empty
 * on the same port, as a Redis without persistence does.
 */
public final class RedisProcess implements AutoCloseable {

  private static final String SHIPPED = "redis-server-6.2.6-v5-linux-amd64";
  private static Path binary;

  private final int port;
  private final Path directory;
  private final boolean cluster;
  private final String password; // null: none
  private final TestCertificates tls; // null: plaintext
  private final List<String> extra; // more redis-server arguments (a replica's --replicaof)
  private Process process;

  private RedisProcess(int port, Path directory, boolean cluster, String password,
      TestCertificates tls) {
    this(port, directory, cluster, password, tls, List.of());
  }

  private RedisProcess(int port, Path directory, boolean cluster, String password,
      TestCertificates tls, List<String> extra) {
    this.port = port;
    this.directory = directory;
    this.cluster = cluster;
    this.password = password;
    this.tls = tls;
    this.extra = extra;
  }

  /** Starts a standalone server that replicates {@code master} (for a Sentinel set). */
  public static RedisProcess startReplicaOf(RedisProcess master) throws IOException {
    RedisProcess redis = new RedisProcess(freePort(), Files.createTempDirectory("istziio-redis"),
        false, null, null, List.of("--replicaof", "127.0.0.1", String.valueOf(master.port())));
    redis.launch();
    return redis;
  }

  /** Starts a standalone server. */
  public static RedisProcess start() throws IOException {
    return start(false);
  }

  /** Starts a server; with {@code cluster}, one with cluster mode on and no slots yet. */
  public static RedisProcess start(boolean cluster) throws IOException {
    RedisProcess redis = new RedisProcess(freePort(), Files.createTempDirectory("istziio-redis"),
        cluster, null, null);
    redis.launch();
    return redis;
  }

  /**
   * Starts a standalone server that wants {@code password} (requirepass), and, with {@code tls},
   * serves TLS only, with that certificate (clients are not asked for one).
   *
   * @throws TlsUnsupported the redis-server found was built without TLS
   */
  public static RedisProcess startSecure(String password, TestCertificates tls) throws IOException {
    RedisProcess redis = new RedisProcess(freePort(), Files.createTempDirectory("istziio-redis"),
        false, password, tls);
    redis.launch();
    return redis;
  }

  /** The redis-server found cannot serve TLS; the message says which binary. */
  public static final class TlsUnsupported extends IOException {
    TlsUnsupported(String message) {
      super(message);
    }
  }

  public int port() {
    return port;
  }

  /** {@code redis://127.0.0.1:PORT}, or {@code rediss://} for a TLS server; never a password. */
  public String uri() {
    return (tls != null ? "rediss" : "redis") + "://127.0.0.1:" + port;
  }

  /** Stops the server, as an outage would; {@link #restart()} brings it back empty. */
  public void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  public void restart() throws IOException {
    launch();
  }

  private void launch() throws IOException {
    List<String> command = new ArrayList<>(List.of(binary().toString(),
        "--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--dir", directory.toString(), "--protected-mode", "no"));
    if (password != null) {
      command.addAll(List.of("--requirepass", password));
    }
    if (tls != null) {
      command.addAll(List.of("--port", "0", "--tls-port", String.valueOf(port),
          "--tls-cert-file", tls.cert().toString(), "--tls-key-file", tls.key().toString(),
          "--tls-ca-cert-file", tls.ca().toString(), "--tls-auth-clients", "no"));
    }
    command.addAll(extra);
    if (cluster) {
      command.addAll(List.of("--cluster-enabled", "yes", "--cluster-config-file",
          "nodes-" + port + "-" + System.nanoTime() + ".conf", "--cluster-node-timeout", "2000"));
    }
    process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(directory.resolve("redis.log").toFile())
        .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (Socket socket = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException notYet) {
        if (!process.isAlive()) {
          String log = Files.readString(directory.resolve("redis.log"));
          if (tls != null && (log.contains("Bad directive") || log.contains("tls-port"))) {
            throw new TlsUnsupported(binary() + " cannot serve TLS (built without it): " + log.strip());
          }
          throw new IOException("redis-server exited: " + log);
        }
        sleep(20);
      }
    }
    throw new IOException("redis-server did not listen on port " + port + " within 10 s");
  }

  static synchronized Path binary() throws IOException {
    if (binary != null) {
      return binary;
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(dir, "redis-server");
      if (!dir.isEmpty() && Files.isExecutable(candidate)) {
        return binary = candidate;
      }
    }
    try (InputStream shipped = RedisProcess.class.getClassLoader().getResourceAsStream(SHIPPED)) {
      if (shipped == null) {
        throw new IOException("no redis-server on PATH and no " + SHIPPED + " on the classpath");
      }
      Path extracted = Files.createTempDirectory("istziio-redis-bin").resolve("redis-server");
      Files.copy(shipped, extracted, StandardCopyOption.REPLACE_EXISTING);
      if (!extracted.toFile().setExecutable(true)) {
        throw new IOException("cannot make " + extracted + " executable");
      }
      extracted.toFile().deleteOnExit();
      return binary = extracted;
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
