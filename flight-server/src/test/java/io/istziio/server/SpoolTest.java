package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.istziio.client.data.SampleData;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.server.parquet.NativeMemory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.util.Text;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A disk-tier stream whose client stops taking batches spools its remaining rows to disk and
 * closes its native scanner (issue 11: a slow reader costs about one batch of memory), and the
 * client still gets every row in order; the spool file goes when the stream ends.
 */
class SpoolTest extends NodeTestBase {

  /**
   * Large enough (about 24 MB decoded) that a paused client's flow-control window leaves most
   * batches unsent.
   */
  private static final int BIG_ROWS = 400_000;
  private static final int BATCH_ROWS = 4_096;
  private static Path big;

  @BeforeAll
  static void writeBigFile() throws Exception {
    big = shared.resolve("big.parquet");
    SampleData.write(big, BIG_ROWS, 50_000);
  }

  private String putBig(String key) {
    s3.put(BUCKET, key, big);
    return "s3://" + BUCKET + "/" + key;
  }

  private Node node(long spoolBytes) throws Exception {
    NodeConfig config = config(1L << 30).withBatchRows(BATCH_ROWS);
    return start(config.withServing(config.serving().withSpoolBytes(spoolBytes)));
  }

  @Test
  void aPausedClientsRowsAreSpooledAndItsScannerClosed() throws Exception {
    Node node = node(NodeConfig.Serving.DEFAULT_SPOOL_BYTES);
    FlightClient client = connect(node);
    String path = putBig("spool/paused.parquet");
    // Cached: the stream below is a disk hit, scanned with read-ahead. Its rows are the reference.
    List<Map<String, Object>> expected = read(client, path).rows();

    List<Map<String, Object>> rows = new ArrayList<>();
    // Every logger at WARN: a spooled batch released twice showed as Netty's "Failed to release a
    // message ... RefCnt has gone negative", once per batch (found by the issue 11 reviewer).
    try (LogCapture log = LogCapture.of(Level.WARN, org.slf4j.Logger.ROOT_LOGGER_NAME);
        FlightStream stream = client.getStream(ReadTicket.of(path).toFlightTicket())) {
      assertTrue(stream.next());
      long seen = checkIds(stream, 0);
      collect(stream, rows);
      // The client takes nothing more: the node's stream waits on its window, then spools.
      waitUntil(() -> stats(client).spooledStreams() == 1);
      assertEquals(0, NativeMemory.reservedBytes(), "the spooled stream's scanner still holds memory");
      assertTrue(stats(client).spoolBytes() > 0);
      assertEquals(1, spoolFiles(node).size());
      while (stream.next()) {
        seen = checkIds(stream, seen);
        collect(stream, rows);
      }
      assertEquals(BIG_ROWS, seen);
      stream.close(); // the call's end, so that every batch has been written and released
      assertEquals(List.of(), log.events().stream().map(LogCapture::text).toList());
    }
    assertEquals(expected, rows, "the spooled rows differ from an unspooled read's");
    waitUntil(() -> stats(client).spoolBytes() == 0);
    assertEquals(List.of(), spoolFiles(node));
  }

  @Test
  void aDrainStoppedByTheSpoolsBoundReadsOnFromTheScan() throws Exception {
    Node node = node(1 << 20); // a few batches
    FlightClient client = connect(node);
    String path = putBig("spool/bounded.parquet");
    read(client, path);

    try (FlightStream stream = client.getStream(ReadTicket.of(path).withFilter("id >= 1000")
        .toFlightTicket())) {
      assertTrue(stream.next());
      long seen = checkIds(stream, 1000);
      waitUntil(() -> stats(client).spooledStreams() >= 1);
      while (stream.next()) {
        seen = checkIds(stream, seen);
      }
      assertEquals(BIG_ROWS, seen);
    }
    waitUntil(() -> stats(client).spoolBytes() == 0);
    assertEquals(List.of(), spoolFiles(node));
  }

  @Test
  void aCancelledSpooledStreamDeletesItsFile() throws Exception {
    Node node = node(NodeConfig.Serving.DEFAULT_SPOOL_BYTES);
    FlightClient client = connect(node);
    String path = putBig("spool/cancelled.parquet");
    read(client, path);

    try (FlightStream stream = client.getStream(ReadTicket.of(path).toFlightTicket())) {
      assertTrue(stream.next());
      waitUntil(() -> stats(client).spooledStreams() == 1);
      stream.cancel("enough", null);
    }
    waitUntil(() -> stats(client).spoolBytes() == 0 && spoolFiles(node).isEmpty());
    // The node serves on: a whole read after it.
    assertEquals(BIG_ROWS, read(client, path).rows().size());
  }

  @Test
  void spoolingOffKeepsTheScan() throws Exception {
    Node node = node(0);
    FlightClient client = connect(node);
    String path = putBig("spool/off.parquet");
    read(client, path);
    try (FlightStream stream = client.getStream(ReadTicket.of(path).toFlightTicket())) {
      assertTrue(stream.next());
      long seen = checkIds(stream, 0);
      // Long enough for a spool to have happened; what is asserted is the rows, not the wait.
      Thread.sleep(2 * io.istziio.server.flight.StreamSpool.SLOW_CLIENT_MILLIS);
      assertEquals(0, stats(client).spooledStreams());
      while (stream.next()) {
        seen = checkIds(stream, seen);
      }
      assertEquals(BIG_ROWS, seen);
    }
  }

  /** Adds the batch's rows as column → value, as {@link FlightReads} gives them. */
  private static void collect(FlightStream stream, List<Map<String, Object>> rows) {
    for (int i = 0; i < stream.getRoot().getRowCount(); i++) {
      Map<String, Object> row = new LinkedHashMap<>();
      for (FieldVector vector : stream.getRoot().getFieldVectors()) {
        Object value = vector.getObject(i);
        row.put(vector.getName(), value instanceof Text text ? text.toString() : value);
      }
      rows.add(row);
    }
  }

  /** Checks the batch's ids continue from {@code next}; returns the id after its last. */
  private static long checkIds(FlightStream stream, long next) {
    BigIntVector ids = (BigIntVector) stream.getRoot().getVector("id");
    for (int i = 0; i < stream.getRoot().getRowCount(); i++, next++) {
      assertEquals(SampleData.id(next), ids.get(i), "row " + next);
    }
    return next;
  }

  private List<Path> spoolFiles(Node node) {
    Path directory = tmp.resolve("cache").resolve("spool");
    try (Stream<Path> files = Files.list(directory)) {
      return files.toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
