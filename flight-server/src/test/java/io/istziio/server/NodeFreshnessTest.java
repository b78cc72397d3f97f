package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.istziio.client.protocol.ReadStats;
import io.istziio.client.protocol.ReadTicket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Stale-while-revalidate, counted in the S3 requests the node sends (seen by an interceptor on its
 * S3 client, see {@link S3Server#nodeRequests}). No assertion depends on how long anything takes:
 * a short freshness interval is waited out before the step that needs it, and outcomes are polled
 * for with a bound.
 */
class NodeFreshnessTest extends NodeTestBase {

  private static final Duration SHORT = Duration.ofMillis(200);

  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void healS3() {
    s3.releaseHeads();
    s3.failHeads(0);
    pool.shutdownNow();
  }

  @Test
  void aFirstReadIsOneGetAndNoHead() throws Exception {
    String path = putSample("swr-first.parquet");
    FlightClient client = connect(start(config(64 << 20).withFreshness(Duration.ofHours(1))));

    FlightReads.Result result = read(client, path);

    assertEquals(ReadStats.MISS, result.stats().cache());
    assertEquals(ROWS, result.rows().size());
    assertEquals(List.of("GET"), s3.nodeRequests("swr-first.parquet"));
  }

  @Test
  void hitsWithinTheIntervalMakeNoRequest() throws Exception {
    String path = putSample("swr-fresh.parquet");
    FlightClient client = connect(start(config(64 << 20).withFreshness(Duration.ofHours(1))));
    read(client, path);

    for (int i = 0; i < 5; i++) {
      assertEquals(ReadStats.HIT, read(client, path).stats().cache());
    }
    assertEquals(List.of("GET"), s3.nodeRequests("swr-fresh.parquet"));
  }

  @Test
  void staleHitsAreServedAtOnceAndShareOneRevalidationPerPath() throws Exception {
    List<String> keys = List.of("swr-stale-a.parquet", "swr-stale-b.parquet");
    Node node = start(config(64 << 20).withFreshness(SHORT));
    for (String key : keys) {
      read(connect(node), putSample(key));
    }
    Thread.sleep(SHORT.toMillis() + 50); // past the interval: the next read finds both stale

    // While the revalidation is held unanswered, every read must still finish: none waits on it, and no
    // second revalidation of a path can start while the first is under way.
    s3.holdHeads();
    int threads = 8;
    int readsEach = 3;
    CountDownLatch go = new CountDownLatch(1);
    List<Future<List<String>>> outcomes = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      FlightClient client = connect(node);
      int first = t;
      outcomes.add(pool.submit(() -> {
        go.await();
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < readsEach; i++) {
          FlightReads.Result result = FlightReads.read(client,
              ReadTicket.of("s3://data/" + keys.get((first + i) % 2)).withColumns(List.of("id")));
          assertEquals(ROWS, result.rows().size());
          seen.add(result.stats().cache());
        }
        return seen;
      }));
    }
    go.countDown();
    for (Future<List<String>> outcome : outcomes) {
      // The HEADs stay held until every read is done: a read that waited on one would never end,
      // and the bound only turns that hang into a failure.
      assertEquals(List.of(ReadStats.HIT, ReadStats.HIT, ReadStats.HIT),
          outcome.get(2, TimeUnit.MINUTES), "served from the known version while the HEAD was held");
    }
    for (String key : keys) {
      waitUntil(() -> s3.nodeRequests(key).contains("HEAD"));
      assertEquals(List.of("GET", "HEAD"), s3.nodeRequests(key),
          threads * readsEach / 2 + " stale reads of " + key + " made one revalidation");
    }
    s3.releaseHeads();
  }

  @Test
  void anOverwrittenObjectIsServedInItsNewVersionAfterOneRevalidation() throws Exception {
    String key = "swr-overwritten.parquet";
    String path = putSample(key);
    Node node = start(config(64 << 20).withFreshness(SHORT));
    FlightClient client = connect(node);
    assertEquals(ROWS, read(client, path).rows().size());

    Path smaller = tmp.resolve("smaller.parquet");
    io.istziio.client.data.SampleData.write(smaller, 1_000, 500);
    s3.put(BUCKET, key, smaller);
    boolean[] renewed = {false};
    waitUntil(() -> {
      int rows = uncheckedRead(client, path).rows().size();
      if (renewed[0]) {
        assertEquals(1_000, rows, "once the new version is served, the old one never is again");
      }
      renewed[0] = rows == 1_000;
      return renewed[0];
    });

    assertEquals(ReadStats.HIT, read(client, path).stats().cache());
    assertEquals(1, stats(client).cacheEntries(), "the old version left the cache");
    List<String> requests = s3.nodeRequests(key);
    assertEquals(2, requests.stream().filter("GET"::equals).count(), "one GET per version: " + requests);
    assertEquals("HEAD", requests.get(1), "the change was found by a revalidation: " + requests);
  }

  @Test
  void aDeletedObjectIsEventuallyNotFound() throws Exception {
    String key = "swr-deleted.parquet";
    String path = putSample(key);
    Node node = start(config(64 << 20).withFreshness(SHORT));
    FlightClient client = connect(node);
    read(client, path);

    s3.delete(BUCKET, key);
    waitUntil(() -> {
      try {
        assertEquals(ROWS, read(client, path).rows().size(), "the known version until then");
        return false;
      } catch (FlightRuntimeException e) {
        assertEquals(FlightStatusCode.NOT_FOUND, e.status().code(), e.getMessage());
        return true;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });

    assertStatus(FlightStatusCode.NOT_FOUND, () -> read(client, path));
    assertEquals(0, stats(client).cacheEntries(), "the deleted object left the cache");
  }

  @Test
  void whileS3CannotRevalidateTheKnownVersionIsServed() throws Exception {
    String key = "swr-unreachable.parquet";
    String path = putSample(key);
    Node node = start(config(64 << 20).withFreshness(SHORT));
    FlightClient client = connect(node);
    read(client, path);
    s3.failHeads(503);
    Thread.sleep(SHORT.toMillis() + 50);

    waitUntil(() -> {
      assertEquals(ReadStats.HIT, uncheckedRead(client, path).stats().cache());
      return s3.nodeRequests(key).contains("HEAD");
    });
    for (int i = 0; i < 3; i++) {
      assertEquals(ReadStats.HIT, read(client, path).stats().cache());
    }
    assertEquals(1, s3.nodeRequests(key).stream().filter("GET"::equals).count());
  }
}
