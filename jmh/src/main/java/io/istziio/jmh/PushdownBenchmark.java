package io.istziio.jmh;

import io.istziio.client.data.SampleData;
import io.istziio.client.protocol.ReadStats;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.server.Node;
import io.istziio.server.NodeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
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
 * A 1%-selective filter on a sorted ~100 MB Parquet file: evaluated in the node (pushdown, so 99%
 * of the row groups are skipped and only matching rows cross the wire) against reading the whole
 * file over Flight and filtering in the client. Both read a cached file from a node on loopback.
 * Per-request bytes are {@code arrowBytes / requests} from the auxiliary counters.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-opens=java.base/java.nio=ALL-UNNAMED", "-Xmx4g",
    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class PushdownBenchmark {

  /** Rows of the file: about 100 MB of Parquet. */
  @Param("1760000")
  public long rows;

  private Path directory;
  private Node node;
  private BufferAllocator allocator;
  private FlightClient client;
  private String path;
  private long low;
  private long high;

  /** Arrow bytes the node sent, and requests made, in the iteration. */
  @AuxCounters(AuxCounters.Type.EVENTS)
  @State(Scope.Thread)
  public static class Transfer {
    public long arrowBytes;
    public long requests;

    @Setup(Level.Iteration)
    public void reset() {
      arrowBytes = 0;
      requests = 0;
    }
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    directory = Files.createTempDirectory("istziio-pushdown");
    Path file = Files.createDirectories(directory.resolve("data")).resolve("sorted.parquet");
    SampleData.write(file, rows, 64 * 1024); // ids ascending: row groups hold disjoint ranges
    System.out.printf("%n%s: %,d rows, %,d bytes%n", file, rows, Files.size(file));
    node = Node.start(NodeConfig.loopback(directory.resolve("cache"), 1L << 32)
        .withLocalRoot(directory.resolve("data")));
    allocator = new RootAllocator();
    client = FlightClient.builder(allocator, node.location()).build();
    path = file.toUri().toString();
    low = rows / 2;
    high = low + rows / 100 - 1; // 1% of the rows
    read(ReadTicket.of(path), new Transfer()); // cached from here on
  }

  @Benchmark
  public long filterInTheNode(Transfer transfer) throws Exception {
    return read(ReadTicket.of(path).withFilter("id BETWEEN " + low + " AND " + high), transfer);
  }

  @Benchmark
  public long wholeFileFilteredInTheClient(Transfer transfer) throws Exception {
    long matches = 0;
    try (FlightStream stream = client.getStream(ReadTicket.of(path).toFlightTicket())) {
      VectorSchemaRoot root = stream.getRoot();
      while (stream.next()) {
        BigIntVector ids = (BigIntVector) root.getVector("id");
        for (int i = 0; i < root.getRowCount(); i++) {
          long id = ids.get(i);
          if (id >= low && id <= high) {
            matches++;
          }
        }
      }
      count(ReadStats.from(stream), transfer);
    }
    return matches;
  }

  private long read(ReadTicket ticket, Transfer transfer) throws Exception {
    long rowsRead = 0;
    try (FlightStream stream = client.getStream(ticket.toFlightTicket())) {
      while (stream.next()) {
        rowsRead += stream.getRoot().getRowCount();
      }
      count(ReadStats.from(stream), transfer);
    }
    return rowsRead;
  }

  private static void count(ReadStats stats, Transfer transfer) {
    transfer.arrowBytes += stats.bytes();
    transfer.requests++;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    client.close();
    allocator.close();
    node.close();
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

}
