package io.istziio.ring;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.ring.testing.RedisProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How long a ring change takes to reach 100 clients through Redis pub/sub: 100 {@link
 * RedisMembership} watchers (what every node and {@code IstziioClient} runs, each with its own
 * Lettuce client and connections) against one real redis-server. For each change, the time from
 * the {@code join} (or clean leave) call until each watcher's view has it, taken in the watchers'
 * change listeners. The liveness timeout is long (30 s: a poll every 10 s), so what is measured is
 * the pub/sub path, not the poll. Figures are printed; only convergence is asserted.
 */
class RingPropagationTest {

  private static final int WATCHERS = 100;
  private static final int CHANGES = 5; // joins, each followed by its leave
  private static final Duration LIVENESS = Duration.ofSeconds(30);

  private final List<AutoCloseable> opened = new ArrayList<>();

  /** One change in flight: which member, appearing or going, and when each watcher saw it. */
  private record Change(String id, boolean joining, long start, AtomicLongArray seenAfter,
      CountDownLatch allSeen) {

    Change(String id, boolean joining) {
      this(id, joining, System.nanoTime(), new AtomicLongArray(WATCHERS), new CountDownLatch(WATCHERS));
    }

    /** Watcher {@code w} has a view; the first one that reflects this change is its arrival. */
    void saw(int w, RingView view) {
      if ((view.member(id) != null) == joining && seenAfter.compareAndSet(w, 0, System.nanoTime() - start + 1)) {
        allSeen.countDown();
      }
    }

    long[] millis() {
      long[] millis = new long[WATCHERS];
      for (int w = 0; w < WATCHERS; w++) {
        millis[w] = seenAfter.get(w) / 1_000_000;
      }
      Arrays.sort(millis);
      return millis;
    }
  }

  private volatile Change current;

  @AfterEach
  void closeAll() throws Exception {
    // In parallel: each watcher's Lettuce client takes a moment to shut down.
    ExecutorService closer = Executors.newFixedThreadPool(8);
    for (AutoCloseable resource : opened.subList(1, opened.size())) {
      closer.execute(() -> {
        try {
          resource.close();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
    }
    closer.shutdown();
    closer.awaitTermination(60, TimeUnit.SECONDS);
    if (!opened.isEmpty()) {
      opened.get(0).close(); // the redis-server, last
    }
  }

  private RedisMembership watch(String uri) {
    RedisMembership membership = RedisMembership.watch(new RedisMembership.Settings(uri, "scale", LIVENESS));
    opened.add(membership);
    return membership;
  }

  @Test
  void aChangeReachesAHundredWatchersThroughPubSub() throws Exception {
    RedisProcess redis = RedisProcess.start();
    opened.add(redis);
    RedisMembership seed = watch(redis.uri());
    seed.join(new Member("seed", "grpc+tcp://10.2.0.1:8815", 1));
    for (int w = 0; w < WATCHERS; w++) {
      int index = w;
      RedisMembership watcher = watch(redis.uri());
      watcher.onChange(view -> {
        Change change = current;
        if (change != null) {
          change.saw(index, view);
        }
      });
    }
    for (AutoCloseable resource : opened.subList(1, opened.size())) {
      RedisMembership watcher = (RedisMembership) resource;
      assertTrue(watcher.awaitView(Duration.ofSeconds(60)), "every watcher reads the ring");
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (watcher.view().member("seed") == null && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertTrue(watcher.view().member("seed") != null, "every watcher starts from the seed's ring");
    }

    List<Long> alls = new ArrayList<>();
    StringBuilder lines = new StringBuilder();
    for (int k = 0; k < CHANGES; k++) {
      String id = "joiner-" + k;
      RedisMembership joiner = watch(redis.uri());
      assertTrue(joiner.awaitFirstTry(Duration.ofSeconds(30)) && joiner.reachable(), "joiner connected");
      for (boolean joining : new boolean[] {true, false}) {
        Change change = new Change(id, joining);
        current = change;
        if (joining) {
          joiner.join(new Member(id, "grpc+tcp://10.2.1." + k + ":8815", 1));
        } else {
          joiner.close(true);
          opened.remove(joiner);
        }
        assertTrue(change.allSeen().await(60, TimeUnit.SECONDS),
            "all " + WATCHERS + " watchers see " + id + (joining ? " join" : " leave"));
        long[] millis = change.millis();
        alls.add(millis[WATCHERS - 1]);
        lines.append(String.format("  %s %s: median watcher %d ms, all %d within %d ms%n", id,
            joining ? "joins" : "leaves", millis[WATCHERS / 2], WATCHERS, millis[WATCHERS - 1]));
      }
    }
    current = null;
    long[] sorted = alls.stream().mapToLong(Long::longValue).sorted().toArray();
    System.out.printf("ring change to %d watchers through Redis pub/sub, %d changes: all had it after "
        + "median %d ms, max %d ms%n%s", WATCHERS, sorted.length, sorted[sorted.length / 2],
        sorted[sorted.length - 1], lines);
  }
}
