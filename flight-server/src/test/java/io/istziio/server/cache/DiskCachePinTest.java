package io.istziio.server.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.server.store.ObjectContent;
import io.istziio.server.store.ObjectVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pins, evict and resize of the disk cache on its own, on a real directory. */
class DiskCachePinTest {

  private static final int SIZE = 100_000;

  @TempDir Path directory;
  private final ExecutorService misses = Executors.newFixedThreadPool(2);

  @AfterEach
  void stop() {
    misses.shutdownNow();
  }

  private static Lease acquire(DiskCache cache, String path) {
    return cache.acquire(path, "\"v\"", () -> new ObjectContent() {
      @Override
      public ObjectVersion version() {
        return new ObjectVersion("\"v\"", SIZE);
      }

      @Override
      public void transferTo(Path target) {
        try {
          Files.write(target, new byte[SIZE]);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }

      @Override
      public void close() {}
    });
  }

  private static void read(DiskCache cache, String path) {
    acquire(cache, path).close();
  }

  private static boolean holds(DiskCache cache, String path) {
    return cache.contains(new CacheKey(path, "\"v\""));
  }

  @Test
  void resizeEvictsDownAtOnceButNeverAPinnedCopy() {
    DiskCache cache = new DiskCache(directory, 10 * SIZE, misses);
    for (int i = 0; i < 8; i++) {
      read(cache, "s3://b/" + i);
    }
    cache.pin(List.of("s3://b/0", "s3://b/1"));

    long old = cache.resize(3 * SIZE);

    assertEquals(10 * SIZE, old);
    assertEquals(3 * SIZE, cache.capacityBytes());
    assertTrue(cache.usedBytes() <= 3 * SIZE, "used " + cache.usedBytes());
    assertTrue(holds(cache, "s3://b/0") && holds(cache, "s3://b/1"), "pinned copies stay");
    assertEquals(2, cache.pinnedEntries());
    // A flood of misses: each evicts an unpinned copy, never a pinned one.
    for (int i = 10; i < 20; i++) {
      read(cache, "s3://b/" + i);
      assertTrue(holds(cache, "s3://b/0") && holds(cache, "s3://b/1"), "after miss " + i);
      assertTrue(cache.usedBytes() <= 3 * SIZE, "used " + cache.usedBytes());
    }
    FlightRuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(
        FlightRuntimeException.class, () -> cache.resize(SIZE));
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, refused.status().code());
    cache.close();
  }

  @Test
  void aCopyBeingReadLeavesTheIndexAtOnceAndTheDiskWhenItsReaderEnds() throws IOException {
    DiskCache cache = new DiskCache(directory, 10 * SIZE, misses);
    read(cache, "s3://b/t/idle");
    Lease reading = acquire(cache, "s3://b/t/read");
    read(cache, "s3://b/other");

    DiskCache.Evicted evicted = cache.evict(path -> path.startsWith("s3://b/t/"), false);

    assertEquals(2, evicted.keys().size());
    assertEquals(1, evicted.inUse());
    assertFalse(holds(cache, "s3://b/t/read"));
    assertTrue(Files.exists(reading.path()), "still there for its reader");
    assertTrue(holds(cache, "s3://b/other"));
    reading.close();
    assertFalse(Files.exists(reading.path()), "deleted with its last reader");
    cache.close();
  }

  @Test
  void pinsSurviveARestartAndAForcedEvictUnpins() {
    DiskCache cache = new DiskCache(directory, 10 * SIZE, misses);
    read(cache, "s3://b/p");
    cache.pin(List.of("s3://b/p", "s3://b/not-yet-cached"));
    cache.close();

    DiskCache reopened = new DiskCache(directory, 10 * SIZE, misses);
    assertEquals(1, reopened.pinnedEntries());
    assertEquals(2, reopened.pinnedPaths());
    DiskCache.Evicted kept = reopened.evict(path -> true, false);
    assertEquals(List.of("s3://b/p"), kept.skippedPinned());
    assertTrue(holds(reopened, "s3://b/p"));
    read(reopened, "s3://b/not-yet-cached"); // admitted pinned
    assertEquals(2, reopened.pinnedEntries());

    DiskCache.Evicted forced = reopened.evict(path -> true, true);

    assertEquals(2, forced.keys().size());
    assertEquals(List.of("s3://b/not-yet-cached", "s3://b/p"), forced.unpinned().stream().sorted()
        .toList());
    assertEquals(0, reopened.pinnedEntries());
    assertEquals(0, reopened.pinnedBytes());
    assertEquals(0, reopened.usedBytes());
    reopened.close();
  }
}
