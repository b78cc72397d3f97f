package io.istziio.server.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.server.store.LocalWriteException;
import io.istziio.server.store.ObjectContent;
import io.istziio.server.store.ObjectVersion;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: a cache of 1 GiB on an 8 MiB filesystem. The disk, not --cache-size, is the bound:
 * misses evict instead of failing, and what cannot fit is RESOURCE_EXHAUSTED naming the disk.
 * Needs a real small filesystem (a tmpfs, so root); skipped where one cannot be mounted.
 */
class DiskCacheFullDiskTest {

  private static final long FS_BYTES = 8L << 20;
  private static final long CAPACITY = 1L << 30;
  private static final int MIB = 1 << 20;

  private static Tmpfs disk;
  private static Path mount;
  private static String whyNot;

  private Path directory;
  private final ExecutorService misses = Executors.newFixedThreadPool(2);

  @BeforeAll
  static void mountTmpfs() throws Exception {
    disk = Tmpfs.mount("istziio-fulldisk", FS_BYTES);
    mount = disk.path();
    whyNot = disk.whyNot();
  }

  @AfterAll
  static void unmount() throws Exception {
    disk.close();
  }

  @BeforeEach
  void fresh() throws IOException {
    Assumptions.assumeTrue(mount != null, () -> whyNot);
    directory = Files.createDirectories(mount.resolve("cache"));
  }

  @AfterEach
  void clean() throws IOException {
    misses.shutdownNow();
    if (mount != null) {
      try (Stream<Path> all = Files.walk(mount)) {
        all.sorted((a, b) -> b.compareTo(a)).filter(p -> !p.equals(mount)).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** A store answer written the way the stores write it, through LocalWriteException.copy. */
  private static DiskCache.Fetcher object(String etag, int size, Runnable beforeBody) {
    return () -> new ObjectContent() {
      @Override
      public ObjectVersion version() {
        return new ObjectVersion(etag, size);
      }

      @Override
      public void transferTo(Path target) {
        beforeBody.run();
        try {
          LocalWriteException.copy(new ByteArrayInputStream(new byte[size]), target);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }

      @Override
      public void close() {}
    };
  }

  private static Lease read(DiskCache cache, String name, int size) {
    return cache.acquire("s3://b/" + name, "1", object("1", size, () -> {}));
  }

  private long usable() throws IOException {
    return Files.getFileStore(mount).getUsableSpace();
  }

  @Test
  void fillingTheDiskEvictsOlderEntriesInsteadOfFailing() throws IOException {
    DiskCache cache = new DiskCache(directory, CAPACITY, misses);
    for (int i = 0; i < 20; i++) { // 20 MiB through an 8 MiB disk
      try (Lease lease = read(cache, "k" + i, MIB)) {
        assertEquals(Lease.Outcome.MISS, lease.outcome(), "object " + i);
      }
      assertTrue(cache.usedBytes() <= FS_BYTES, "usedBytes " + cache.usedBytes());
    }
    assertTrue(cache.evictions() > 0, "older entries made room");
    assertTrue(cache.entries() >= 5, "the disk is still used: " + cache.entries() + " entries");
    try (Lease hit = read(cache, "k19", MIB)) {
      assertEquals(Lease.Outcome.HIT, hit.outcome(), "the newest entry was kept");
    }
  }

  @Test
  void anObjectLargerThanTheDiskIsResourceExhaustedNamingItAndASmallerOneStillFits() throws IOException {
    DiskCache cache = new DiskCache(directory, CAPACITY, misses);
    for (int i = 0; i < 4; i++) {
      read(cache, "k" + i, MIB).close();
    }
    long used = cache.usedBytes();

    // 9 MiB: over the whole 8 MiB disk, so neither an admitted copy nor a scratch copy fits.
    FlightRuntimeException e = assertThrows(FlightRuntimeException.class,
        () -> read(cache, "huge", 9 * MIB));
    assertEquals(FlightStatusCode.RESOURCE_EXHAUSTED, e.status().code(), e.getMessage());
    assertTrue(e.getMessage().contains(directory.toString()) && e.getMessage().contains("free"),
        e.getMessage());
    assertFalse(e.getMessage().contains("S3"), e.getMessage());
    assertEquals(used, cache.usedBytes(), "nothing reserved, nothing evicted for a hopeless object");
    assertEquals(4, cache.entries());

    try (Lease small = read(cache, "small", MIB)) {
      assertEquals(Lease.Outcome.MISS, small.outcome());
    }
  }

  @Test
  void aDiskThatFillsUpDuringTheWriteFailsCleanlyAndLaterMissesWork() throws IOException {
    DiskCache cache = new DiskCache(directory, CAPACITY, misses);
    read(cache, "k0", MIB).close();
    long used = cache.usedBytes();
    Path neighbour = mount.resolve("neighbour");

    // Another program fills the disk after the reservation, before the body is written.
    DiskCache.Fetcher racing = object("1", 2 * MIB, () -> {
      try {
        Files.write(neighbour, new byte[(int) (usable() - MIB / 2)]);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    FlightRuntimeException e = assertThrows(FlightRuntimeException.class,
        () -> cache.acquire("s3://b/big", "1", racing));
    assertEquals(FlightStatusCode.RESOURCE_EXHAUSTED, e.status().code(), e.getMessage());
    assertTrue(e.getMessage().contains(directory.toString()), e.getMessage());
    assertEquals(used, cache.usedBytes(), "the failed download released its reservation");
    try (Stream<Path> partials = Files.list(directory.resolve("partials"))) {
      assertEquals(0, partials.count(), "the partial file was deleted");
    }

    Files.delete(neighbour);
    try (Lease again = cache.acquire("s3://b/big", "1", object("1", 2 * MIB, () -> {}))) {
      assertEquals(Lease.Outcome.MISS, again.outcome(), "space freed: the next miss works");
    }
    cache.close();
    // A restart keeps what is there and admits more.
    DiskCache reopened = new DiskCache(directory, CAPACITY, misses);
    assertEquals(2, reopened.entries());
    for (int i = 1; i < 10; i++) {
      read(reopened, "k" + i, MIB).close();
      assertTrue(reopened.usedBytes() <= FS_BYTES);
    }
  }
}
