package io.istziio.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.cli.IstziioCli;
import io.istziio.ring.testing.RedisProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A CLI command that follows Redis waits, within --redis-wait, for Redis to answer and list a
 * node, and says what it waits for: a replay started before its Redis (as when a Sentinel
 * failover is under way), a ring asked before any node registered, and the bound when Redis never
 * comes. Real redis-server, real nodes, the CLI in-process.
 */
class CliRedisWaitTest extends NodeTestBase {

  private record Run(int code, String out, String err) {
    String both() {
      return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }
  }

  /**
   * One CLI command on a thread of its own, with System.out and System.err captured (and so
   * replaced for the whole JVM) until {@link #finish} or {@link #close}.
   */
  private static final class Running implements AutoCloseable {
    private final PrintStream savedOut = System.out;
    private final PrintStream savedErr = System.err;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final FutureTask<Integer> task;

    Running(String... args) {
      System.setOut(new PrintStream(out, true, UTF_8));
      System.setErr(new PrintStream(err, true, UTF_8));
      task = new FutureTask<>(() -> IstziioCli.run(args));
      Thread thread = new Thread(task, "istziio-cli");
      thread.setDaemon(true); // a failed test must not keep the JVM up for the command's wait
      thread.start();
    }

    /** What the command has printed to standard error so far. */
    String err() {
      return err.toString(UTF_8);
    }

    /** Waits for the command (at most 3 minutes) and gives back the streams. */
    Run finish() throws Exception {
      try {
        int code = task.get(3, TimeUnit.MINUTES);
        return new Run(code, out.toString(UTF_8), err());
      } finally {
        close();
      }
    }

    @Override
    public void close() {
      System.setOut(savedOut);
      System.setErr(savedErr);
    }
  }

  private NodeConfig nodeOnRedis(String id, String redis, String cluster) {
    return NodeConfig.loopback(tmp.resolve("cache-" + id), 64 << 20).withS3(s3.config()).withId(id)
        .withRing(NodeConfig.Ring.standalone().withRedis(redis, cluster, Duration.ofSeconds(2)));
  }

  @Test
  void aReplayStartedBeforeItsRedisWaitsForItAndReadsEveryRequest() throws Exception {
    RedisProcess redis = RedisProcess.start(); // for a port of its own; down until the replay waits
    redis.stop();
    try {
      start(nodeOnRedis("n1", redis.uri(), "late")); // serves alone, registers once Redis is up
      String path = putSample("redis-wait/late.parquet");
      Path manifest = Files.writeString(tmp.resolve("manifest.json"),
          "[{\"index\": 0, \"path\": \"" + path + "\"}]");
      Path trace = Files.writeString(tmp.resolve("trace.csv"), "timestamp,file_index\n0,0\n100,0\n");
      Run run;
      try (Running replay = new Running("replay", trace.toString(), "--manifest", manifest.toString(),
          "--redis", redis.uri(), "--cluster", "late", "--redis-wait", "120", "--no-progress")) {
        waitUntil(() -> replay.err().contains("does not answer yet"));
        redis.restart();
        run = replay.finish();
      }
      assertEquals(0, run.code(), run.both());
      assertTrue(run.err().contains("istziio: Redis at " + redis.uri()
          + " does not answer yet; waiting up to 120 s for it (--redis-wait)"), run.both());
      assertTrue(run.out().contains("istziio: 2 requests, 0 failed"), run.both());
    } finally {
      redis.close();
    }
  }

  @Test
  void aRingAskedBeforeAnyNodeRegisteredWaitsForOne() throws Exception {
    try (RedisProcess redis = RedisProcess.start()) {
      Run run;
      try (Running ring = new Running("ring", "--redis", redis.uri(), "--cluster", "empty",
          "--redis-wait", "120")) {
        String waiting = "istziio: no nodes of cluster \"empty\" in Redis at " + redis.uri()
            + " yet; waiting up to 120 s for one to register (--redis-wait)";
        waitUntil(() -> ring.err().contains(waiting));
        start(nodeOnRedis("joiner", redis.uri(), "empty"));
        run = ring.finish();
      }
      assertEquals(0, run.code(), run.both());
      assertTrue(run.out().contains("source redis"), run.both());
      assertTrue(run.out().lines().anyMatch(line -> line.startsWith("joiner ")), run.both());
    }
  }

  @Test
  void aRedisThatNeverAnswersFailsTheCommandAfterTheWaitSayingSo() throws Exception {
    String nowhere = "redis://127.0.0.1:" + freeLoopbackPort();
    Run run;
    try (Running ring = new Running("ring", "--redis", nowhere, "--cluster", "none",
        "--redis-wait", "2")) {
      run = ring.finish();
    }
    assertEquals(1, run.code(), run.both());
    assertTrue(run.err().contains("istziio ring: Redis at " + nowhere + " did not answer within 2 s "
        + "(--redis-wait): is it running and reachable from here?"), run.both());
  }

  @Test
  void aWaitShorterThanASecondIsRefused() throws Exception {
    Run run;
    try (Running ring = new Running("ring", "--redis", "redis://127.0.0.1:1", "--redis-wait", "0")) {
      run = ring.finish();
    }
    assertEquals(1, run.code(), run.both());
    assertTrue(run.err().contains("--redis-wait takes whole seconds, at least 1, not 0"), run.both());
  }
}
