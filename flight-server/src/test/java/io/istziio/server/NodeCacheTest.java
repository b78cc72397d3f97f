package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.protocol.NodeStats;
import io.istziio.client.protocol.ReadStats;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.server.parquet.ParquetFooter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NodeCacheTest extends NodeTestBase {

  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void resetS3() {
    s3.delayGets(0);
    s3.failGets(0);
    pool.shutdownNow();
  }

  @Test
  void sampleFileHasSeveralRowGroups() {
    assertEquals(ROWS / ROWS_PER_GROUP + 1, ParquetFooter.read(sample, "sample").rowGroups());
  }

  @Test
  void concurrentMissesOfOneObjectShareOneDownload() throws Exception {
    String path = putSample("coalesced.parquet");
    Node node = start(config(64 << 20));
    s3.delayGets(1_500); // keeps the download open while every request arrives
    int readers = 8;
    CountDownLatch go = new CountDownLatch(1);
    List<Future<FlightReads.Result>> results = new ArrayList<>();
    for (int i = 0; i < readers; i++) {
      FlightClient client = connect(node);
      results.add(pool.submit(() -> {
        go.await();
        return read(client, path);
      }));
    }
    go.countDown();

    for (Future<FlightReads.Result> result : results) {
      FlightReads.Result read = result.get();
      assertEquals(ROWS, read.rows().size());
      assertEquals(ReadStats.MISS, read.stats().cache(), "every reader waited for the download");
    }
    assertEquals(1, s3.gets("coalesced.parquet"), "S3 GETs counted at the S3 server");
    assertEquals(1, stats(connect(node)).downloads());
  }

  @Test
  void aHitDoesNotWaitBehindAMissOfAnotherObject() throws Exception {
    String hot = putSample("hot.parquet");
    String cold = putSample("cold.parquet");
    Node node = start(config(64 << 20));
    FlightClient client = connect(node);
    read(client, hot); // now cached

    s3.delayGets(3_000);
    CompletableFuture<FlightReads.Result> miss =
        CompletableFuture.supplyAsync(() -> uncheckedRead(connect(node), cold), pool);
    while (stats(client).downloads() < 2) {
      Thread.sleep(10); // until the miss is under way
    }
    FlightReads.Result hit = read(client, hot);

    assertEquals(ReadStats.HIT, hit.stats().cache());
    assertFalse(miss.isDone(), "the hit finished while the miss still waited for S3");
    assertEquals(ReadStats.MISS, miss.get().stats().cache());
  }

  @Test
  void evictionKeepsTheCacheWithinItsBound() throws Exception {
    long capacity = sampleSize * 5 / 2; // room for two objects, not three
    Node node = start(config(capacity));
    FlightClient client = connect(node);
    Path objects = tmp.resolve("cache").resolve("objects");

    for (int i = 0; i < 6; i++) {
      FlightReads.Result result = read(client, putSample("evict-" + i + ".parquet"));
      assertEquals(ReadStats.MISS, result.stats().cache());
      NodeStats stats = stats(client);
      assertTrue(stats.cacheUsedBytes() <= capacity, "accounted " + stats.cacheUsedBytes());
      assertTrue(bytesIn(objects) <= capacity, "on disk " + bytesIn(objects));
      assertEquals(Math.min(i + 1, 2), stats.cacheEntries());
    }
    assertEquals(4, stats(client).evictions());
    assertEquals(ReadStats.HIT, read(client, "s3://data/evict-5.parquet").stats().cache());
    assertEquals(ReadStats.MISS, read(client, "s3://data/evict-0.parquet").stats().cache());
  }

  @Test
  void anObjectLargerThanTheCacheIsStreamedButNotAdmitted() throws Exception {
    String path = putSample("too-big.parquet");
    Node node = start(config(sampleSize / 2));
    FlightClient client = connect(node);

    FlightReads.Result first = read(client, path);
    FlightReads.Result second = read(client, path);

    assertEquals(ReadStats.BYPASS, first.stats().cache());
    assertEquals(ReadStats.BYPASS, second.stats().cache());
    assertEquals(ROWS, first.rows().size());
    NodeStats stats = stats(client);
    assertEquals(0, stats.cacheEntries());
    assertEquals(0, stats.cacheUsedBytes());
    Path cache = tmp.resolve("cache");
    assertEquals(0, bytesIn(cache.resolve("objects")) + bytesIn(cache.resolve("scratch")),
        "the scratch copy went with its reader");
  }

  @Test
  void aFileBeingReadOutlivesItsEvictionAndMemoryStaysBounded() throws Exception {
    // A file large enough that the stream cannot fit in the transport's buffers.
    Path big = tmp.resolve("big.parquet");
    io.istziio.client.data.SampleData.write(big, 600_000, 50_000);
    s3.put(BUCKET, "big.parquet", big);
    String path = "s3://data/big.parquet";
    long capacity = Files.size(big) * 3; // room for the old and the new version, not more
    Node node = start(config(capacity).withFreshness(Duration.ZERO).withBatchRows(4096));
    FlightClient reader = connect(node);
    FlightClient other = connect(node);
    Path objects = tmp.resolve("cache").resolve("objects");

    long arrowBytes = read(other, path).stats().bytes(); // cached
    Path oldCopy = onlyDataFile(objects);
    long rows = 0;
    try (FlightStream stream = reader.getStream(ReadTicket.of(path).toFlightTicket())) {
      assertTrue(stream.next());
      rows += stream.getRoot().getRowCount();
      Thread.sleep(300); // the node fills the window and blocks on the paused client

      // A new version replaces the entry while the old one is still being read.
      s3.put(BUCKET, "big.parquet", sample);
      FlightReads.Result fresh = read(other, path);
      assertEquals(ROWS, fresh.rows().size());
      assertTrue(Files.exists(oldCopy), "the old copy stays while a reader holds it");
      NodeStats paused = stats(other);
      assertTrue(paused.cacheUsedBytes() <= capacity);
      assertTrue(paused.arrowAllocatedBytes() < arrowBytes / 4, "node holds "
          + paused.arrowAllocatedBytes() + " of the stream's " + arrowBytes + " bytes for a paused reader");

      while (stream.next()) {
        rows += stream.getRoot().getRowCount();
      }
    }
    assertEquals(600_000, rows, "the reader got the whole old version");
    waitUntil(() -> !Files.exists(oldCopy));
    assertEquals(1, stats(other).cacheEntries());
  }

  @Test
  void aRestartKeepsTheCacheAndDiscardsPartialDownloads() throws Exception {
    String path = putSample("restart.parquet");
    NodeConfig config = config(64 << 20);
    Node first = start(config);
    assertEquals(ReadStats.MISS, read(connect(first), path).stats().cache());
    stop(first);
    Path cache = tmp.resolve("cache");
    Path partial = Files.write(cache.resolve("partials").resolve("interrupted.parquet"), new byte[100]);
    Path orphan = Files.write(cache.resolve("objects").resolve("0".repeat(64) + ".parquet"), new byte[100]);

    Node second = start(config);
    FlightClient client = connect(second);
    FlightReads.Result result = read(client, path);

    assertEquals(ReadStats.HIT, result.stats().cache());
    assertEquals(ROWS, result.rows().size());
    assertEquals(1, s3.gets("restart.parquet"), "no second download after the restart");
    assertFalse(Files.exists(partial), "partial download discarded");
    assertFalse(Files.exists(orphan), "data file without its sidecar discarded");
    assertEquals(Files.size(sample), bytesIn(cache.resolve("objects"))
        - sidecarBytes(cache.resolve("objects")));
  }

  @Test
  void aChangedObjectIsReadAfreshOnceItsVersionIsRechecked() throws Exception {
    String path = putSample("changing.parquet");
    FlightClient client = connect(start(config(64 << 20).withFreshness(Duration.ZERO)));
    assertEquals(ROWS, read(client, path).rows().size());

    Path smaller = tmp.resolve("smaller.parquet");
    io.istziio.client.data.SampleData.write(smaller, 1_000, 500);
    s3.put(BUCKET, "changing.parquet", smaller);
    FlightReads.Result changed = read(client, path);
    FlightReads.Result again = read(client, path);

    assertEquals(1_000, changed.rows().size());
    assertEquals(ReadStats.MISS, changed.stats().cache());
    assertEquals(ReadStats.HIT, again.stats().cache());
    assertEquals(1, stats(client).cacheEntries(), "the old version left the cache");
  }

  @Test
  void anObjectThatChangedWithinTheFreshnessIntervalIsStillReadWhenNotCached() throws Exception {
    String path = putSample("overwritten.parquet");
    // Too small to admit it, so each read downloads with the ETag the node remembers.
    FlightClient client = connect(start(config(sampleSize / 2).withFreshness(Duration.ofHours(1))));
    assertEquals(ROWS, read(client, path).rows().size());

    Path smaller = tmp.resolve("smaller.parquet");
    io.istziio.client.data.SampleData.write(smaller, 1_000, 500);
    s3.put(BUCKET, "overwritten.parquet", smaller);

    assertEquals(1_000, read(client, path).rows().size(), "the stale ETag was noticed and dropped");
  }

  private static Path onlyDataFile(Path objects) throws IOException {
    try (Stream<Path> files = Files.list(objects)) {
      return files.filter(f -> f.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
  }

  static long bytesIn(Path directory) throws IOException {
    if (!Files.exists(directory)) {
      return 0;
    }
    try (Stream<Path> files = Files.list(directory)) {
      return files.mapToLong(f -> f.toFile().length()).sum();
    }
  }

  private static long sidecarBytes(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(f -> f.toString().endsWith(".json")).mapToLong(f -> f.toFile().length()).sum();
    }
  }
}
