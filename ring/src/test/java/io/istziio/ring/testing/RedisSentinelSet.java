package io.istziio.ring.testing;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A Redis master, one replica and three Sentinels watching them ({@code redis-server
 * --sentinel}), all real processes on free loopback ports. Sentinels take the master for down
 * after 1 s without answers, and need two of three to agree, so {@link #stopMaster()} leads to a
 * failover to the replica within a few seconds.
 */
public final class RedisSentinelSet implements AutoCloseable {

  /** The name the Sentinels monitor the master under. */
  public static final String MASTER_NAME = "istziio";

  private final RedisProcess master;
  private final RedisProcess replica;
  private final List<Process> sentinels = new ArrayList<>();
  private final List<Integer> sentinelPorts = new ArrayList<>();

  private RedisSentinelSet(RedisProcess master, RedisProcess replica) {
    this.master = master;
    this.replica = replica;
  }

  /** Starts the set and returns once the replica is in sync and every Sentinel knows it. */
  public static RedisSentinelSet start() throws Exception {
    RedisProcess master = RedisProcess.start();
    RedisSentinelSet set = new RedisSentinelSet(master, RedisProcess.startReplicaOf(master));
    try {
      for (int i = 0; i < 3; i++) {
        set.launchSentinel();
      }
      set.awaitReplicaKnown();
    } catch (Exception e) {
      set.close();
      throw e;
    }
    return set;
  }

  private void launchSentinel() throws IOException, InterruptedException {
    int port = RedisProcess.freePort();
    Path directory = Files.createTempDirectory("istziio-sentinel");
    // A Sentinel rewrites its configuration file as it learns, so it must be a file of its own.
    Path config = directory.resolve("sentinel.conf");
    Files.writeString(config, String.join("\n",
        "port " + port,
        "bind 127.0.0.1",
        "dir " + directory,
        "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + master.port() + " 2",
        "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
        "sentinel failover-timeout " + MASTER_NAME + " 10000",
        "") + "\n");
    Process process = new ProcessBuilder(RedisProcess.binary().toString(), config.toString(), "--sentinel")
        .redirectErrorStream(true)
        .redirectOutput(directory.resolve("sentinel.log").toFile())
        .start();
    sentinels.add(process);
    sentinelPorts.add(port);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (Socket socket = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException notYet) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          throw new IOException("redis sentinel did not start on port " + port + ": "
              + Files.readString(directory.resolve("sentinel.log")));
        }
        Thread.sleep(20);
      }
    }
  }

  /** Waits until every Sentinel lists the replica (learnt from the master's INFO every 10 s). */
  private void awaitReplicaKnown() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (int port : sentinelPorts) {
      try (RedisClient client = RedisClient.create("redis://127.0.0.1:" + port);
          StatefulRedisConnection<String, String> connection = client.connect()) {
        while (connection.sync().dispatch(io.lettuce.core.protocol.CommandType.SENTINEL,
            new io.lettuce.core.output.ArrayOutput<>(io.lettuce.core.codec.StringCodec.UTF8),
            new io.lettuce.core.protocol.CommandArgs<>(io.lettuce.core.codec.StringCodec.UTF8)
                .add("replicas").add(MASTER_NAME)).isEmpty()) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("sentinel on port " + port + " does not know the replica in 30 s");
          }
          Thread.sleep(100);
        }
      }
    }
  }

  /**
   * {@code redis-sentinel://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3?sentinelMasterId=istziio}: what
   * a node or client is given to follow the master through failovers.
   */
  public String uri() {
    return "redis-sentinel://" + sentinelPorts.stream().map(p -> "127.0.0.1:" + p)
        .collect(Collectors.joining(",")) + "?sentinelMasterId=" + MASTER_NAME;
  }

  public RedisProcess master() {
    return master;
  }

  public RedisProcess replica() {
    return replica;
  }

  /** Stops the master, as a crash of its host would; the Sentinels then promote the replica. */
  public void stopMaster() throws InterruptedException {
    master.stop();
  }

  @Override
  public void close() throws InterruptedException {
    for (Process sentinel : sentinels) {
      sentinel.destroy();
      if (!sentinel.waitFor(5, TimeUnit.SECONDS)) {
        sentinel.destroyForcibly().waitFor();
      }
    }
    replica.close();
    master.close();
  }
}
