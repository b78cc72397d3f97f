package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.data.GeneratedBatches;
import io.istziio.client.data.ParquetFiles;
import io.istziio.client.data.SampleData;
import io.istziio.client.protocol.ReadStats;
import io.istziio.client.protocol.ReadTicket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.SchemaResult;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

class NodeReadTest extends NodeTestBase {

  private static final List<String> ALL =
      SampleData.SCHEMA.getFields().stream().map(Field::getName).toList();

  @Test
  void streamsTheWholeFileInSeveralBatches() throws Exception {
    String path = putSample("full.parquet");
    Node node = start(config(64 << 20).withBatchRows(4096));
    FlightClient client = connect(node);

    FlightReads.Result result = read(client, path);

    assertEquals(SampleData.SCHEMA.getFields(), result.schema().getFields());
    assertSampleRows(result.rows(), ALL);
    assertTrue(result.batches() >= ROWS / 4096, "batches: " + result.batches());
    assertEquals(ROWS, result.stats().rows());
    assertEquals(result.batches(), result.stats().batches());
  }

  @Test
  void projectsColumnsInTheOrderAsked() throws Exception {
    String path = putSample("projected.parquet");
    FlightClient client = connect(start(config(64 << 20)));

    FlightReads.Result result =
        FlightReads.read(client, ReadTicket.of(path).withColumns(List.of("name", "id")));

    assertEquals(List.of("name", "id"),
        result.schema().getFields().stream().map(Field::getName).toList());
    assertSampleRows(result.rows(), List.of("name", "id"));
  }

  @Test
  void secondReadIsAHitAndTheNodeSaysSo() throws Exception {
    String path = putSample("hit-after-miss.parquet");
    FlightClient client = connect(start(config(64 << 20)));

    ReadStats first = read(client, path).stats();
    ReadStats second = read(client, path).stats();

    assertEquals(ReadStats.MISS, first.cache());
    assertTrue(first.fetchNanos() > 0, "a miss waits for S3");
    assertEquals(ReadStats.HIT, second.cache());
    assertEquals(0, second.fetchNanos(), "a hit does not wait for S3");
    assertTrue(second.scanNanos() > 0);
    assertEquals(1, s3.gets("hit-after-miss.parquet"), "one S3 GET for both reads");
    assertEquals(1, stats(client).hits());
  }

  @Test
  void flightInfoDescribesTheProjectedResultAndPointsAtTheNode() throws Exception {
    String path = putSample("info.parquet");
    Node node = start(config(64 << 20));
    FlightClient client = connect(node);
    ReadTicket ticket = ReadTicket.of(path).withColumns(List.of("score", "name"));

    FlightInfo info = client.getInfo(FlightDescriptor.command(ticket.toJsonBytes()));
    FlightInfo whole = client.getInfo(FlightDescriptor.path(path));

    assertEquals(List.of("score", "name"),
        info.getSchemaOptional().orElseThrow().getFields().stream().map(Field::getName).toList());
    assertEquals(ROWS, info.getRecords());
    assertTrue(info.getBytes() > 0 && info.getBytes() < whole.getBytes(),
        "projected bytes " + info.getBytes() + " of " + whole.getBytes());
    assertEquals(SampleData.SCHEMA.getFields(), whole.getSchemaOptional().orElseThrow().getFields());
    assertEquals(ROWS, whole.getRecords());

    FlightEndpoint endpoint = info.getEndpoints().get(0);
    assertEquals(List.of(node.location()), endpoint.getLocations());
    assertEquals(ticket, ReadTicket.parse(endpoint.getTicket().getBytes()));
    // GetFlightInfo started the download (answering from the footer meanwhile): once it is in,
    // the DoGet on its ticket is a hit with the same rows, and S3 sent the object once.
    waitUntil(() -> node.disk().downloadsInFlight() == 0);
    FlightReads.Result result = FlightReads.read(client, ticket);
    assertEquals(ReadStats.HIT, result.stats().cache());
    assertEquals(ROWS, result.rows().size());
    assertEquals(1, s3.gets("info.parquet"));

    SchemaResult schema = client.getSchema(FlightDescriptor.command(ticket.toJsonBytes()));
    assertEquals(info.getSchemaOptional().orElseThrow(), schema.getSchema());
  }

  @Test
  void servesFilesFromTheLocalRoot() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("local"));
    Path file = Files.copy(sample, root.resolve("local.parquet"));
    FlightClient client = connect(start(config(64 << 20).withLocalRoot(root)));
    String path = file.toUri().toString();

    FlightReads.Result miss = read(client, path);
    FlightReads.Result hit = read(client, path);

    assertSampleRows(miss.rows(), ALL);
    assertEquals(ReadStats.MISS, miss.stats().cache());
    assertEquals(ReadStats.HIT, hit.stats().cache());
    Schema schema = hit.schema();
    assertEquals(SampleData.SCHEMA.getFields(), schema.getFields());
  }

  /** Parquet and Arrow allow a column named "" (pyarrow writes one); the ticket refused it. */
  @Test
  void projectsAColumnNamedTheEmptyString() throws Exception {
    Path file = tmp.resolve("empty-name.parquet");
    Schema schema = new Schema(List.of(Field.nullable("", new ArrowType.Int(64, true)),
        Field.nullable("b", new ArrowType.Int(64, true))));
    try (BufferAllocator allocator = new RootAllocator()) {
      ParquetFiles.write(file, allocator, new GeneratedBatches(allocator, schema) {
        private boolean done;

        @Override
        public boolean loadNextBatch() throws java.io.IOException {
          if (done) {
            return false;
          }
          done = true;
          VectorSchemaRoot root = getVectorSchemaRoot();
          root.allocateNew();
          for (int i = 0; i < 3; i++) {
            ((BigIntVector) root.getVector(0)).setSafe(i, 10 + i);
            ((BigIntVector) root.getVector(1)).setSafe(i, 20 + i);
          }
          root.setRowCount(3);
          return true;
        }
      });
    }
    s3.put(BUCKET, "empty-name.parquet", file);
    FlightClient client = connect(start(config(64 << 20)));

    FlightReads.Result result = FlightReads.read(client,
        ReadTicket.of("s3://" + BUCKET + "/empty-name.parquet").withColumns(List.of("")));

    assertEquals(List.of(schema.getFields().get(0)), result.schema().getFields());
    assertEquals(List.of(Map.of("", 10L), Map.of("", 11L), Map.of("", 12L)), result.rows());
  }
}
