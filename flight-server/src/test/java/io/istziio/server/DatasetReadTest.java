package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.DatasetResult;
import io.istziio.client.DatasetStream;
import io.istziio.client.IstziioClient;
import io.istziio.client.ReadResult;
import io.istziio.client.data.SampleData;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.ring.testing.RedisProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Java client's dataset reads on a real three-node cluster: a FlightInfo of several
 * single-file endpoints (as a dataset's GetFlightInfo answers) read in parallel, by callback and
 * as an ordered stream, with failover of the endpoints a crashed node owned, bounded read-ahead,
 * and every batch released (the client's allocator is closed at the end of each test; a leak
 * fails it).
 */
class DatasetReadTest extends NodeTestBase {

  private static final int FILES = 6;
  private static final int FILE_ROWS = 5_000;
  /** Rows per batch the nodes send: ten batches per file. */
  private static final int BATCH_ROWS = 500;

  private RedisProcess redis;
  private final List<Node> nodes = new ArrayList<>();
  private final List<String> paths = new ArrayList<>();
  private IstziioClient client;

  @BeforeEach
  void startCluster() throws Exception {
    Path file = tmp.resolve("part.parquet");
    SampleData.write(file, FILE_ROWS, 2_500);
    for (int i = 0; i < FILES; i++) {
      s3.put(BUCKET, "dataset/part-" + i + ".parquet", file);
      paths.add("s3://data/dataset/part-" + i + ".parquet");
    }
    redis = RedisProcess.start();
    for (String id : List.of("n1", "n2", "n3")) {
      NodeConfig.Ring ring = NodeConfig.Ring.standalone()
          .withRedis(redis.uri(), "test", Duration.ofMillis(1500)).withReplicas(2);
      nodes.add(start(NodeConfig.loopback(tmp.resolve("cache-" + id), 64 << 20)
          .withS3(s3.config()).withId(id).withRing(ring).withBatchRows(BATCH_ROWS)
          .withMemoryBytes(0)));
    }
    client = IstziioClient.connectRedis(redis.uri(), "test", 2);
    waitUntil(() -> client.view().members().size() == 3);
  }

  @AfterEach
  void stopRedis() throws Exception {
    if (client != null) {
      client.close(); // closes its allocator: throws if a batch was not released
    }
    redis.close();
  }

  /** A FlightInfo with one endpoint per file, each at its owners, as a dataset's would be. */
  private FlightInfo datasetInfo(List<String> files) {
    List<FlightEndpoint> endpoints = new ArrayList<>();
    FlightInfo first = null;
    for (String path : files) {
      FlightInfo info = client.info(ReadTicket.of(path));
      first = first == null ? info : first;
      endpoints.add(info.getEndpoints().get(0));
    }
    return new FlightInfo(first.getSchema(), FlightDescriptor.path("s3://data/dataset/"),
        endpoints, -1, -1);
  }

  /** Checks that a batch holds the ids {@code from, from + 1, ...}; returns the next id. */
  private static long assertIds(VectorSchemaRoot batch, long from) {
    BigIntVector ids = (BigIntVector) batch.getVector("id");
    for (int i = 0; i < batch.getRowCount(); i++) {
      assertEquals(SampleData.id(from + i), ids.get(i), "row " + (from + i));
    }
    return from + batch.getRowCount();
  }

  @Test
  void theCallbackGetsEveryRowOfEveryEndpointOneCallAtATime() throws Exception {
    FlightInfo info = datasetInfo(paths);
    // Each owner answered from the footer and started its download: let them finish.
    waitUntil(() -> nodes.stream().allMatch(node -> node.disk().downloadsInFlight() == 0));
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger mostInside = new AtomicInteger();
    AtomicLong rows = new AtomicLong();
    AtomicLong idSum = new AtomicLong();

    DatasetResult result = client.withParallelism(3).read(info, batch -> {
      mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
      BigIntVector ids = (BigIntVector) batch.getVector("id");
      for (int i = 0; i < batch.getRowCount(); i++) {
        idSum.addAndGet(ids.get(i));
      }
      rows.addAndGet(batch.getRowCount());
      inside.decrementAndGet();
    });

    assertEquals(1, mostInside.get(), "the consumer is never called concurrently");
    assertEquals((long) FILES * FILE_ROWS, rows.get());
    long fileSum = 0;
    for (long row = 0; row < FILE_ROWS; row++) {
      fileSum += SampleData.id(row);
    }
    assertEquals(FILES * fileSum, idSum.get(), "every file's rows once");
    assertEquals(FILES, result.endpoints().size());
    assertEquals((long) FILES * FILE_ROWS, result.rows());
    for (int i = 0; i < FILES; i++) {
      ReadResult endpoint = result.endpoints().get(i);
      assertEquals(FILE_ROWS, endpoint.rows(), paths.get(i));
      assertEquals(client.view().primary(paths.get(i)), endpoint.servedBy(), paths.get(i));
      assertEquals("hit", endpoint.stats().cache(), "GetFlightInfo started the download of "
          + paths.get(i));
    }
    assertEquals(0, result.failovers());
  }

  @Test
  void theStreamDeliversTheEndpointsInOrderEachInItsFilesOrder() throws Exception {
    FlightInfo info = datasetInfo(paths);
    long[] nextId = new long[FILES];
    int lastEndpoint = 0;

    try (DatasetStream stream = client.withParallelism(3).stream(info)) {
      while (stream.next()) {
        int endpoint = stream.endpoint();
        assertTrue(endpoint >= lastEndpoint, "endpoint " + endpoint + " after " + lastEndpoint);
        for (int before = 0; before < endpoint; before++) {
          assertEquals(FILE_ROWS, nextId[before], "endpoint " + before + " was finished first");
        }
        lastEndpoint = endpoint;
        nextId[endpoint] = assertIds(stream.root(), nextId[endpoint]);
      }
      DatasetResult result = stream.result();
      assertEquals((long) FILES * FILE_ROWS, result.rows());
      assertTrue(stream.peakBufferedBatches() <= 3L * DatasetStream.BATCHES_PER_ENDPOINT,
          "read ahead: " + stream.peakBufferedBatches());
    }
    for (int i = 0; i < FILES; i++) {
      assertEquals(FILE_ROWS, nextId[i], paths.get(i));
    }
  }

  @Test
  void aSlowCallerHoldsAtMostTheBoundedReadAhead() throws Exception {
    FlightInfo info = datasetInfo(paths);
    int parallelism = 2;
    long bound = (long) parallelism * DatasetStream.BATCHES_PER_ENDPOINT;

    try (DatasetStream stream = client.withParallelism(parallelism).stream(info)) {
      assertTrue(stream.next());
      // The caller holds its first batch and pulls nothing more: the readers fill their buffers
      // (each file has ten batches) and then stop.
      waitUntil(() -> stream.bufferedBatches() == bound);
      assertEquals(bound, stream.peakBufferedBatches(), "never more than the bound");
      long rows = stream.root().getRowCount();
      while (stream.next()) {
        rows += stream.root().getRowCount();
      }
      assertEquals((long) FILES * FILE_ROWS, rows);
      assertEquals(bound, stream.peakBufferedBatches());
    }
  }

  @Test
  void closingAStreamEarlyReleasesEveryBatch() throws Exception {
    FlightInfo info = datasetInfo(paths);
    DatasetStream stream = client.withParallelism(3).stream(info);
    assertTrue(stream.next());
    waitUntil(() -> stream.bufferedBatches() == 3L * DatasetStream.BATCHES_PER_ENDPOINT);

    stream.close(); // throws if its allocator still holds memory

    assertEquals(0, stream.bufferedBatches());
  }

  @Test
  void anEndpointWhoseOwnerCrashedIsReadFromItsReplica() throws Exception {
    FlightInfo info = datasetInfo(paths); // locations as they were before the crash
    Node crashed = nodes.get(1);
    List<Integer> ownedByCrashed = new ArrayList<>();
    for (int i = 0; i < FILES; i++) {
      if (client.view().primary(paths.get(i)).id().equals(crashed.id())) {
        ownedByCrashed.add(i);
      }
    }
    assertTrue(!ownedByCrashed.isEmpty(), "the crashed node is the primary of some file");
    stop(crashed, true);

    long[] nextId = new long[FILES];
    DatasetResult result;
    try (DatasetStream stream = client.withParallelism(3).stream(info)) {
      while (stream.next()) {
        nextId[stream.endpoint()] = assertIds(stream.root(), nextId[stream.endpoint()]);
      }
      result = stream.result();
    }

    for (int i = 0; i < FILES; i++) {
      assertEquals(FILE_ROWS, nextId[i], paths.get(i));
      ReadResult endpoint = result.endpoints().get(i);
      boolean ownedByTheCrashed = ownedByCrashed.contains(i);
      // The crashed node is tried until a read finds it down; the reads that start after that
      // go to the replica first (SuspectNodes), so each file failed over at most once.
      assertTrue(endpoint.failovers() <= (ownedByTheCrashed ? 1 : 0), paths.get(i));
      assertEquals(info.getEndpoints().get(i).getLocations().get(ownedByTheCrashed ? 1 : 0)
          .getUri().toString(), endpoint.servedBy().location(), paths.get(i));
    }
    assertTrue(result.failovers() >= 1 && result.failovers() <= ownedByCrashed.size(),
        "failovers: " + result.failovers());
  }

  @Test
  void aFailedEndpointStopsTheReadWithItsError() throws Exception {
    FlightInfo info = datasetInfo(paths);
    List<FlightEndpoint> endpoints = new ArrayList<>(info.getEndpoints());
    // An endpoint for an object that is not there: its owner answers NOT_FOUND.
    FlightInfo missing = client.info(ReadTicket.of(paths.get(0)));
    endpoints.set(2, new FlightEndpoint(ReadTicket.of("s3://data/dataset/absent.parquet")
        .toFlightTicket(), missing.getEndpoints().get(0).getLocations().toArray(
            org.apache.arrow.flight.Location[]::new)));
    FlightInfo broken = new FlightInfo(info.getSchema(), info.getDescriptor(), endpoints, -1, -1);

    assertStatus(FlightStatusCode.NOT_FOUND,
        () -> client.withParallelism(3).read(broken, batch -> { }));

    try (DatasetStream stream = client.stream(broken)) {
      var e = assertStatus(FlightStatusCode.NOT_FOUND, () -> {
        while (stream.next()) {
          // the endpoints before the failed one arrive whole
        }
      });
      assertTrue(e.getMessage().contains("absent.parquet"), e.getMessage());
    }
  }
}
