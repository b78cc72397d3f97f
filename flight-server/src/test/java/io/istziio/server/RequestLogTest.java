package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.istziio.client.protocol.ReadStats;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.server.calls.RequestLog;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightStatusCode;
import org.junit.jupiter.api.Test;

/**
 * The request log: after a known sequence of calls, one line per call on the istziio.request
 * logger, each with the fields of its call (what it asked, its status, how the cache answered,
 * what it sent, its time and its peer).
 */
class RequestLogTest extends NodeTestBase {

  @Test
  void oneLinePerCallWithItsFields() throws Exception {
    String path = putSample("requests/a.parquet");
    String missing = "s3://data/requests/missing.parquet";
    Node node = start(config(64 << 20));
    FlightClient client = connect(node);

    try (LogCapture log = LogCapture.of(Level.INFO, RequestLog.LOGGER)) {
      FlightReads.Result miss = read(client, path);
      FlightReads.Result hit = read(client, path);
      assertStatus(FlightStatusCode.NOT_FOUND, () -> read(client, missing));
      assertStatus(FlightStatusCode.INVALID_ARGUMENT,
          () -> FlightReads.read(client, ReadTicket.of(path).withFilter("nope > 1")));
      client.getInfo(FlightDescriptor.command(ReadTicket.of(path).toJsonBytes()));
      stats(client);
      // A call's line is written when the server has closed it, which may be just after the
      // client has its answer.
      waitUntil(() -> log.messages(RequestLog.LOGGER).size() >= 6);
      List<Map<String, String>> lines = log.messages(RequestLog.LOGGER).stream()
          .map(LogCapture::pairs).toList();
      assertEquals(6, lines.size(), () -> "one line per call: " + lines);

      assertDoGet(lines.get(0), path, "OK", "miss", miss.stats());
      assertDoGet(lines.get(1), path, "OK", "disk-hit", hit.stats());
      assertLine(lines.get(2), "DoGet", missing, "NOT_FOUND", "-", "0", "0");
      assertTrue(lines.get(2).get("error").contains("does not exist"), lines.get(2)::toString);
      // The filter is refused once the file is found: a hit, nothing sent.
      assertLine(lines.get(3), "DoGet", path, "INVALID_ARGUMENT", "disk-hit", "0", "0");
      assertTrue(lines.get(3).get("error").contains("unknown column \"nope\""), lines.get(3)::toString);
      assertLine(lines.get(4), "GetFlightInfo", path, "OK", "disk-hit", "-", "-");
      assertLine(lines.get(5), "DoAction:stats", "-", "OK", "-", "-", "-");
      for (Map<String, String> line : lines) {
        assertTrue(Double.parseDouble(line.get("ms")) >= 0, line::toString);
        assertTrue(line.get("peer").matches("127\\.0\\.0\\.1:\\d+")
            && !line.get("peer").endsWith(":" + node.port()), () -> "the client's address: " + line);
      }
    }
  }

  @Test
  void aMemoryHitIsLoggedAsOne() throws Exception {
    String path = putSample("requests/memory.parquet");
    Node node = start(config(64 << 20).withMemoryBytes(256 << 20));
    FlightClient client = connect(node);
    warmMemory(node, client, path);
    try (LogCapture log = LogCapture.of(Level.INFO, RequestLog.LOGGER)) {
      FlightReads.Result hit = read(client, path);
      waitUntil(() -> !log.messages(RequestLog.LOGGER).isEmpty());
      assertDoGet(LogCapture.pairs(log.messages(RequestLog.LOGGER).get(0)), path, "OK",
          "memory-hit", hit.stats());
    }
  }

  /** A path is one value, however it is spelled: quoted, its line breaks escaped. */
  @Test
  void aPathWithSpacesAndLineBreaksStaysOneValue() throws Exception {
    Node node = start(config(64 << 20));
    FlightClient client = connect(node);
    String path = "s3://data/a b\nfake=1.parquet";
    try (LogCapture log = LogCapture.of(Level.INFO, RequestLog.LOGGER)) {
      // S3 keys may hold both: the key is looked up, and is not there.
      assertStatus(FlightStatusCode.NOT_FOUND,
          () -> client.getInfo(FlightDescriptor.command(ReadTicket.of(path).toJsonBytes())));
      waitUntil(() -> !log.messages(RequestLog.LOGGER).isEmpty());
      String line = log.messages(RequestLog.LOGGER).get(0);
      assertTrue(!line.contains("\n") && line.contains("path=\"s3://data/a b\\nfake=1.parquet\""), line);
      assertEquals(path, LogCapture.pairs(line).get("path").replace("\\n", "\n"));
      assertEquals(null, LogCapture.pairs(line).get("fake"), line);
    }
  }

  private static void assertDoGet(Map<String, String> line, String path, String status,
      String cache, ReadStats stats) {
    assertLine(line, "DoGet", path, status, cache, Long.toString(stats.rows()),
        Long.toString(stats.bytes()));
    assertEquals(ROWS, stats.rows());
  }

  private static void assertLine(Map<String, String> line, String call, String path,
      String status, String cache, String rows, String bytes) {
    assertEquals(List.of("call", "path", "status", "cache", "rows", "bytes", "ms", "peer"),
        line.keySet().stream().filter(k -> !k.equals("error")).toList(), line::toString);
    assertEquals(Map.of("call", call, "path", path, "status", status, "cache", cache, "rows", rows,
        "bytes", bytes), Map.of("call", line.get("call"), "path", line.get("path"),
        "status", line.get("status"), "cache", line.get("cache"), "rows", line.get("rows"),
        "bytes", line.get("bytes")), line::toString);
  }
}
