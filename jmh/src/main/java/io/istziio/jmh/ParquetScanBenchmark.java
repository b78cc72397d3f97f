package io.istziio.jmh;

import io.istziio.client.data.IstziioData;
import io.istziio.server.parquet.ParquetFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Parquet scan and decode through Arrow Dataset, as the node does it on a hit, for ISTZIO-shaped
 * files (20 float64 columns): the whole file, and two of its columns. {@code parquetBytes} counts
 * the file's bytes per scan, so its rate is the scan speed in bytes of Parquet per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-opens=java.base/java.nio=ALL-UNNAMED", "-Xmx4g",
    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class ParquetScanBenchmark {

  /** "1MB" (5,500 rows) or "100MB" (650,000 rows). */
  @Param({"1MB", "100MB"})
  public String shape;

  private Path directory;
  private BufferAllocator allocator;
  private ParquetFile file;
  private long fileBytes;

  /** Parquet bytes scanned. */
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  @State(Scope.Thread)
  public static class Scanned {
    public long parquetBytes;

    @Setup(Level.Iteration)
    public void reset() {
      parquetBytes = 0;
    }
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    directory = Files.createTempDirectory("istziio-scan");
    Path path = directory.resolve("data.parquet");
    IstziioData.write(path, 42, 0, shape.equals("1MB") ? IstziioData.ROWS_1MB : IstziioData.ROWS_100MB,
        32_768);
    fileBytes = Files.size(path);
    allocator = new RootAllocator();
    file = ParquetFile.open(allocator, path, path.toString());
  }

  private long scan(List<String> columns, Scanned scanned) throws Exception {
    long rows = 0;
    try (ParquetFile.Scan scan = file.scan(columns, 32_768, null)) {
      ArrowReader reader = scan.reader();
      while (reader.loadNextBatch()) {
        rows += reader.getVectorSchemaRoot().getRowCount();
      }
    }
    scanned.parquetBytes += fileBytes;
    return rows;
  }

  @Benchmark
  public long allColumns(Scanned scanned) throws Exception {
    return scan(null, scanned);
  }

  @Benchmark
  public long twoColumns(Scanned scanned) throws Exception {
    return scan(List.of("c0", "c7"), scanned);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    file.close();
    allocator.close();
    Files.deleteIfExists(directory.resolve("data.parquet"));
    Files.deleteIfExists(directory);
  }
}
