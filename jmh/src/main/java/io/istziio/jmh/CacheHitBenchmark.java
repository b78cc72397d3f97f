package io.istziio.jmh;

import io.istziio.client.protocol.ReadTicket;
import io.istziio.server.cache.CacheKey;
import io.istziio.server.cache.DiskCache;
import io.istziio.server.cache.Lease;
import io.istziio.server.store.ObjectContent;
import io.istziio.server.store.ObjectVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The node's per-request work before any Parquet is read: parse the ticket, then take and release
 * a lease on a cached file. This is the part of a hit that the cache itself costs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/java.nio=ALL-UNNAMED")
public class CacheHitBenchmark {

  private static final byte[] TICKET =
      "{\"path\": \"s3://bucket/warehouse/part-00042.parquet\", \"columns\": [\"a\", \"b\", \"c\"]}"
          .getBytes(StandardCharsets.UTF_8);

  private Path directory;
  private ExecutorService misses;
  private DiskCache cache;
  private final CacheKey key = new CacheKey("s3://bucket/warehouse/part-00042.parquet", "\"etag\"");

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    directory = Files.createTempDirectory("istziio-jmh");
    misses = Executors.newFixedThreadPool(2);
    cache = new DiskCache(directory, 1 << 30, misses);
    try (Lease lease = cache.acquire(key.path(), key.etag(), CacheHitBenchmark::object)) {
      if (lease.outcome() != Lease.Outcome.MISS) {
        throw new IllegalStateException("the first acquire must download");
      }
    }
  }

  /** The store's answer on the one miss: 4096 zero bytes of the key's version. */
  private static ObjectContent object() {
    return new ObjectContent() {
      @Override
      public ObjectVersion version() {
        return new ObjectVersion("\"etag\"", 4096);
      }

      @Override
      public void transferTo(Path target) {
        try {
          Files.write(target, new byte[4096]);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }

      @Override
      public void close() {}
    };
  }

  @Benchmark
  public ReadTicket parseTicket() {
    return ReadTicket.parse(TICKET);
  }

  @Benchmark
  public Lease.Outcome acquireAndReleaseHit() {
    try (Lease lease = cache.acquire(key.path(), key.etag(), CacheHitBenchmark::object)) {
      return lease.outcome();
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    cache.close();
    misses.shutdownNow();
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }
}
