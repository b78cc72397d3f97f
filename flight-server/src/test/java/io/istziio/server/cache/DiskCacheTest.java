package io.istziio.server.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import io.istziio.server.store.ObjectContent;
import io.istziio.server.store.ObjectVersion;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The disk cache on its own, on a real directory, for the orderings a node rarely hits. */
class DiskCacheTest {

  @TempDir Path directory;
  private final ExecutorService misses = Executors.newFixedThreadPool(2);

  @AfterEach
  void stop() {
    misses.shutdownNow();
  }

  /** A store's answer: version {@code key.etag()} of {@code size} zero bytes. */
  private static DiskCache.Fetcher bytes(CacheKey key, int size) {
    return () -> new ObjectContent() {
      @Override
      public ObjectVersion version() {
        return new ObjectVersion(key.etag(), size);
      }

      @Override
      public void transferTo(Path target) {
        try {
          Files.write(target, new byte[size]);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }

      @Override
      public void close() {}
    };
  }

  private static Lease acquire(DiskCache cache, CacheKey key, int size) {
    return cache.acquire(key.path(), key.etag(), bytes(key, size));
  }

  @Test
  void aKeysFileNameNeverComesFromItsTextSoNoKeyEscapesOrCollides() throws IOException {
    DiskCache cache = new DiskCache(directory, 1 << 20, misses);
    String[] paths = {"s3://b/../../escape", "s3://b//etc/passwd", "s3://b/a\\..\\b", "s3://b/a b",
        "s3://b/a%20b", "s3://b/a#b", "s3://b/" + "k".repeat(1_024), "s3://b/\n\t😀"};
    java.util.Set<Path> files = new java.util.HashSet<>();
    for (String path : paths) {
      try (Lease lease = acquire(cache, new CacheKey(path, "\"v\""), 10)) {
        Path file = lease.path().toAbsolutePath().normalize();
        assertEquals(directory.resolve("objects").toAbsolutePath().normalize(), file.getParent(), path);
        assertTrue(file.getFileName().toString().matches("[0-9a-f]{64}-[0-9a-f]+\\.parquet"), path);
        assertTrue(files.add(file), () -> path + " shares a file with another key");
      }
    }
    cache.close();
    // Reloaded after a restart under the same keys: the sidecars hold the keys, not the names.
    DiskCache reopened = new DiskCache(directory, 1 << 20, misses);
    for (String path : paths) {
      assertEquals(Optional.of(new ObjectVersion("\"v\"", 10)), reopened.takeRestored(path), path);
    }
    reopened.close();
  }

  /**
   * A prefetch (GetFlightInfo's background download) is joined by a read that comes while it runs:
   * one fetch; and it lets go of its reference, so the copy is idle once the read is done.
   */
  @Test
  void aReadJoinsAPrefetchAndThePrefetchHoldsNoReference() throws Exception {
    DiskCache cache = new DiskCache(directory, 10_000, misses);
    CacheKey key = new CacheKey("s3://b/prefetched", "\"v\"");
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger fetches = new java.util.concurrent.atomic.AtomicInteger();
    DiskCache.Fetcher held = () -> {
      fetches.incrementAndGet();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return bytes(key, 1000).open();
    };

    cache.prefetch(key.path(), held);
    assertEquals(1, cache.downloadsInFlight());
    java.util.concurrent.CompletableFuture<Lease> read = java.util.concurrent.CompletableFuture
        .supplyAsync(() -> cache.acquire(key.path(), key.etag(), held));
    // Released at once: the read joins the download if it comes while it runs, and finds the
    // copy cached if it comes after (its version known, as ObjectCache asks); either way one
    // fetch. (With no version, a read after the download would start another: the first CI run
    // of this test caught that order.)
    release.countDown();
    Path copy;
    try (Lease lease = read.get(30, java.util.concurrent.TimeUnit.SECONDS)) {
      assertEquals(key, lease.key());
      assertEquals(1, fetches.get(), "the read used the prefetch's download");
      copy = lease.path();
    }

    assertEquals(java.util.List.of(key), cache.evict(path -> true, false).keys());
    // An evicted copy is deleted when its last holder lets go: never, had the prefetch kept one.
    waitUntil(() -> !Files.exists(copy));
    cache.close();
  }

  /** A prefetch of an object too large to admit leaves no scratch copy behind. */
  @Test
  void aPrefetchTooLargeToAdmitLeavesNothingOnDisk() throws Exception {
    DiskCache cache = new DiskCache(directory, 1_000, misses);
    CacheKey key = new CacheKey("s3://b/large", "\"v\"");

    cache.prefetch(key.path(), bytes(key, 5_000));

    // The scratch copy goes with its last holder: never, had the prefetch kept its reference.
    waitUntil(() -> cache.downloads() == 1 && cache.downloadsInFlight() == 0
        && scratchFiles() == 0);
    assertFalse(cache.contains(key));
    cache.close();
  }

  private long scratchFiles() {
    try (java.util.stream.Stream<Path> scratch = Files.list(directory.resolve("scratch"))) {
      return scratch.count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Polls {@code condition} until it holds; fails after 30 s. */
  private static void waitUntil(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "condition not met within 30 s");
      Thread.sleep(10);
    }
  }

  @Test
  void aReaderOfAnOldCopyNeverDeletesTheNewCopyOfTheSameKey() {
    DiskCache cache = new DiskCache(directory, 10_000, misses);
    CacheKey key = new CacheKey("s3://b/k", "\"v1\"");

    Lease old = acquire(cache, key, 1000);
    cache.invalidate(key); // e.g. deleted and put back with the same ETag
    Lease fresh = acquire(cache, key, 1000);
    old.close();

    assertTrue(Files.exists(fresh.path()), "the new copy survives the old reader");
    assertFalse(Files.exists(old.path()), "the old copy went with its reader");
    fresh.close();
    try (Lease hit = acquire(cache, key, 1000)) {
      assertEquals(Lease.Outcome.HIT, hit.outcome());
      assertTrue(Files.exists(hit.path()));
    }
  }

  @Test
  void evictionSkipsFilesBeingReadAndCountsThemAgainstTheBound() {
    long capacity = 2_500;
    DiskCache cache = new DiskCache(directory, capacity, misses);
    CacheKey a = new CacheKey("s3://b/a", "1");
    CacheKey b = new CacheKey("s3://b/b", "1");
    CacheKey c = new CacheKey("s3://b/c", "1");

    Lease reading = acquire(cache, a, 1000);
    acquire(cache, b, 1000).close();
    try (Lease third = acquire(cache, c, 1000)) {
      assertEquals(Lease.Outcome.MISS, third.outcome());
    }

    assertTrue(cache.contains(a), "the file being read was not the victim");
    assertFalse(cache.contains(b), "the idle file was");
    assertTrue(cache.usedBytes() <= capacity);
    assertTrue(Files.exists(reading.path()));
    reading.close();
  }

  @Test
  void whenEverythingElseIsBeingReadANewObjectIsNotAdmitted() {
    DiskCache cache = new DiskCache(directory, 1_500, misses);
    try (Lease pinned = acquire(cache, new CacheKey("s3://b/a", "1"), 1000);
        Lease other = acquire(cache, new CacheKey("s3://b/b", "1"), 1000)) {
      assertEquals(Lease.Outcome.MISS, pinned.outcome());
      assertEquals(Lease.Outcome.BYPASS, other.outcome());
      assertTrue(cache.usedBytes() <= 1_500);
    }
    assertEquals(1, cache.entries());
  }

  @Test
  void aFailedDownloadReleasesItsReservation() {
    DiskCache cache = new DiskCache(directory, 10_000, misses);
    CacheKey key = new CacheKey("s3://b/k", "1");
    try {
      cache.acquire(key.path(), key.etag(), () -> {
        throw new IllegalStateException("store failed");
      });
    } catch (RuntimeException expected) {
      // the waiter sees the failure
    }
    assertEquals(0, cache.usedBytes());
    try (Lease lease = acquire(cache, key, 1000)) {
      assertEquals(Lease.Outcome.MISS, lease.outcome());
    }
  }

  /** Stands for an opened Parquet file: it records whether it was closed. */
  private static final class Opened implements AutoCloseable {
    final AtomicBoolean closed = new AtomicBoolean();

    @Override
    public void close() {
      closed.set(true);
    }
  }

  @Test
  void closingTheCacheLeavesAnAttachmentOpenUntilItsLastReaderIsDone() {
    DiskCache cache = new DiskCache(directory, 10_000, misses);
    CacheKey read = new CacheKey("s3://b/read", "1");
    CacheKey idle = new CacheKey("s3://b/idle", "1");
    Opened idleOpened;
    try (Lease lease = acquire(cache, idle, 1000)) {
      idleOpened = lease.attachment(path -> new Opened());
    }
    Lease reading = acquire(cache, read, 1000);
    Opened readOpened = reading.attachment(path -> new Opened());

    cache.close(); // e.g. a node stopping after its streams' grace period ran out

    assertTrue(idleOpened.closed.get(), "nobody reads the idle copy: closed at once");
    assertFalse(readOpened.closed.get(), "not closed under its reader");
    assertTrue(Files.exists(reading.path()));
    reading.close();
    assertTrue(readOpened.closed.get(), "closed with its last reader");
    assertTrue(Files.exists(reading.path()), "kept on disk for the next run");

    DiskCache next = new DiskCache(directory, 10_000, misses);
    try (Lease hit = acquire(next, read, 1000)) {
      assertEquals(Lease.Outcome.HIT, hit.outcome());
    }
    assertTrue(next.contains(idle));
    next.close();
  }

  @Test
  void anAttachmentIsNeverOpenedOnACopyThatIsGone() {
    DiskCache cache = new DiskCache(directory, 10_000, misses);
    CacheKey key = new CacheKey("s3://b/k", "1");
    Lease lease = acquire(cache, key, 1000);
    cache.invalidate(key);
    lease.close(); // the last reference: the copy is deleted

    AtomicBoolean opened = new AtomicBoolean();
    assertThrows(IllegalStateException.class, () -> lease.attachment(path -> {
      opened.set(true); // would open a deleted file, and nothing would ever close it
      return new Opened();
    }));
    assertFalse(opened.get());
  }
}
