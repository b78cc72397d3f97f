package io.istziio.server.cache;

import io.istziio.server.store.ObjectContent;
import io.istziio.server.store.ObjectVersion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evictions, invalidations, replacements and hits of the same few keys from several threads at
 * once. The index's reference to a file must be released exactly once, by whoever removed that file
 * from the index; otherwise a file is released twice ("released more often than retained"), deleted
 * under a reader, or its bytes are counted twice.
 *
 * <p>Nothing here waits on time: every thread runs a fixed number of steps, and the checks are made
 * on what each reader sees while it holds its lease and on the directory once everyone is done.
 */
class DiskCacheRaceTest {

  private static final int THREADS = 4;
  private static final int STEPS = 800; // per thread and repetition
  private static final int KEYS = 5;
  private static final int SIZE = 1_000;
  // Two entries (data and sidecar) fit, a third does not: nearly every miss evicts.
  private static final long CAPACITY = 2 * SIZE + 400;

  @TempDir Path directory;
  private final ExecutorService misses = Executors.newFixedThreadPool(2);

  @AfterEach
  void stop() {
    misses.shutdownNow();
  }

  /** What a reader opens on a cached copy; it must stay open while any lease on the copy is. */
  private static final class Opened implements AutoCloseable {
    final Path file;
    final AtomicBoolean closed = new AtomicBoolean();

    Opened(Path file) {
      if (!Files.exists(file)) {
        throw new AssertionError("attachment opened on a deleted file " + file);
      }
      this.file = file;
    }

    @Override
    public void close() {
      if (!closed.compareAndSet(false, true)) {
        throw new AssertionError("attachment closed twice: " + file);
      }
    }
  }

  /** Key {@code i}'s bytes are all {@code i}, so a reader can tell that it reads its own object. */
  private static DiskCache.Fetcher bytes(int i) {
    return () -> new ObjectContent() {
      @Override
      public ObjectVersion version() {
        return new ObjectVersion(key(i).etag(), SIZE);
      }

      @Override
      public void transferTo(Path target) {
        byte[] content = new byte[SIZE];
        Arrays.fill(content, (byte) i);
        try {
          Files.write(target, content);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }

      @Override
      public void close() {}
    };
  }

  private static Lease acquire(DiskCache cache, int i) {
    return cache.acquire(key(i).path(), key(i).etag(), bytes(i));
  }

  private static CacheKey key(int i) {
    return new CacheKey("s3://bucket/race/" + i + ".parquet", "\"e\"");
  }

  @RepeatedTest(3)
  void evictionsInvalidationsAndHitsOfTheSameKeysReleaseEachFileOnce() throws Exception {
    DiskCache cache = new DiskCache(directory, CAPACITY, misses);
    Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    Queue<Opened> attachments = new ConcurrentLinkedQueue<>();
    CyclicBarrier start = new CyclicBarrier(THREADS);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      SplittableRandom random = new SplittableRandom(31L * t + 7);
      Thread thread = new Thread(() -> {
        try {
          start.await();
          for (int step = 0; step < STEPS && failures.isEmpty(); step++) {
            step(cache, random, attachments);
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      }, "race-" + t);
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join(TimeUnit.MINUTES.toMillis(2));
      if (thread.isAlive()) {
        fail(thread.getName() + " is stuck: " + Arrays.toString(thread.getStackTrace()));
      }
    }
    if (!failures.isEmpty()) {
      Throwable first = failures.peek();
      AssertionError error = new AssertionError(failures.size() + " failure(s), first: " + first, first);
      failures.stream().skip(1).limit(5).forEach(error::addSuppressed);
      throw error;
    }

    // Every lease is closed: the bytes counted are exactly the admitted entries on disk.
    assertEmpty(directory.resolve("partials"));
    assertEmpty(directory.resolve("scratch"));
    long entries = 0;
    for (int i = 0; i < KEYS; i++) {
      entries += cache.contains(key(i)) ? 1 : 0;
    }
    assertEquals(entries, files(".parquet").size(), "one data file per admitted entry");
    assertEquals(entries, files(".json").size(), "one sidecar per admitted entry");
    assertEquals(bytesOnDisk(), cache.usedBytes(), "usedBytes is what the admitted entries hold");
    assertTrue(cache.usedBytes() <= CAPACITY, "over the bound: " + cache.usedBytes());

    // Once the index lets go too, nothing is left: no file and no attachment leaks.
    for (int i = 0; i < KEYS; i++) {
      cache.invalidate(key(i));
    }
    assertEquals(List.of(), files(""), "files leaked");
    assertEquals(0, cache.usedBytes());
    for (Opened opened : attachments) {
      assertTrue(opened.closed.get(), "attachment leaked on " + opened.file);
    }
    cache.close();
  }

  private static void step(DiskCache cache, SplittableRandom random, Queue<Opened> attachments)
      throws IOException {
    int i = random.nextInt(KEYS);
    int op = random.nextInt(10);
    if (op < 3) {
      cache.invalidate(key(i));
      return;
    }
    try (Lease lease = acquire(cache, i)) {
      check(lease, i);
      if (op < 6) {
        return; // a short read: hits and misses that evict
      }
      Opened opened = lease.attachment(Opened::new);
      if (opened.closed.get() || !opened.file.equals(lease.path())) {
        throw new AssertionError("attachment closed or of another copy: " + opened.file);
      }
      attachments.add(opened);
      // While this lease is held: invalidate it, or make others evict around it.
      int other = op < 8 ? i : random.nextInt(KEYS);
      if (op == 9) {
        try (Lease second = acquire(cache, other)) {
          check(second, other);
        }
      } else {
        cache.invalidate(key(other));
      }
      check(lease, i);
      if (opened.closed.get()) {
        throw new AssertionError("attachment closed under a live lease: " + opened.file);
      }
    }
  }

  /** The leased copy is on disk, whole, and of the right object. */
  private static void check(Lease lease, int i) throws IOException {
    byte[] content;
    try {
      content = Files.readAllBytes(lease.path());
    } catch (IOException e) {
      throw new AssertionError("file deleted under a live lease: " + lease.path(), e);
    }
    if (content.length != SIZE || content[0] != (byte) i || content[SIZE - 1] != (byte) i) {
      throw new AssertionError("wrong content under " + lease.path());
    }
  }

  private List<Path> files(String suffix) throws IOException {
    try (Stream<Path> listing = Files.list(directory.resolve("objects"))) {
      return listing.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
    }
  }

  private long bytesOnDisk() throws IOException {
    long total = 0;
    for (Path file : files("")) {
      total += Files.size(file);
    }
    return total;
  }

  private static void assertEmpty(Path dir) throws IOException {
    try (Stream<Path> listing = Files.list(dir)) {
      assertEquals(List.of(), listing.toList(), dir + " is not empty");
    }
  }
}
