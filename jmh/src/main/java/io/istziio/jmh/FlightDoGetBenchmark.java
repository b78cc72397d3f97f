package io.istziio.jmh;

import io.istziio.client.data.SampleData;
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
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Flight DoGet from a node on loopback, on cached files: the hit path as clients see it. Bytes
 * are Arrow buffer bytes received; divide {@code arrowBytes} by the run time for GB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-opens=java.base/java.nio=ALL-UNNAMED", "-Xmx4g",
    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class FlightDoGetBenchmark {

  private Path directory;
  private Node node;
  private BufferAllocator allocator;
  private FlightClient client;
  private Ticket small;
  private Ticket large;

  /** Arrow bytes received in the iteration. */
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  @State(Scope.Thread)
  public static class Received {
    public long arrowBytes;

    @Setup(Level.Iteration)
    public void reset() {
      arrowBytes = 0;
    }
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    directory = Files.createTempDirectory("istziio-doget");
    Path data = Files.createDirectories(directory.resolve("data"));
    SampleData.write(data.resolve("small.parquet"), 1_000, 1_000);
    SampleData.write(data.resolve("large.parquet"), 1_760_000, 64 * 1024); // about 100 MB
    node = Node.start(NodeConfig.loopback(directory.resolve("cache"), 1L << 32).withLocalRoot(data)
        .withBatchRows(64 * 1024));
    allocator = new RootAllocator();
    client = FlightClient.builder(allocator, node.location()).build();
    small = ReadTicket.of(data.resolve("small.parquet").toUri().toString()).toFlightTicket();
    large = ReadTicket.of(data.resolve("large.parquet").toUri().toString()).toFlightTicket();
    drain(small, new Received()); // cached from here on
    drain(large, new Received());
  }

  private long drain(Ticket ticket, Received received) throws Exception {
    long rows = 0;
    try (FlightStream stream = client.getStream(ticket)) {
      while (stream.next()) {
        rows += stream.getRoot().getRowCount();
        for (FieldVector vector : stream.getRoot().getFieldVectors()) {
          received.arrowBytes += vector.getBufferSize();
        }
      }
    }
    return rows;
  }

  /** Small files (1,000 rows): requests per second, 8 concurrent requests from one client. */
  @Benchmark
  @Threads(8)
  public long smallFileRequests(Received received) throws Exception {
    return drain(small, received);
  }

  /** One stream of a cached ~100 MB file. */
  @Benchmark
  @Threads(1)
  public long largeFileOneStream(Received received) throws Exception {
    return drain(large, received);
  }

  /** Two concurrent streams of the same cached file. */
  @Benchmark
  @Threads(2)
  public long largeFileTwoStreams(Received received) throws Exception {
    return drain(large, received);
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
