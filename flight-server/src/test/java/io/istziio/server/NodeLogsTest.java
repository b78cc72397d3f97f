package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.istziio.client.data.IstziioData;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.server.calls.CallRecord;
import io.istziio.server.calls.RequestLog;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Clients that cancel are routine: a node logs no warning for them (gRPC's transport logged a
 * WARNING with a Netty stack trace for a good share of cancelled DoGets, which filled a node's
 * log), only each call's request line, status CANCELLED, and one DEBUG line.
 */
class NodeLogsTest extends NodeTestBase {

  private static final int CANCELS = 20;

  @ParameterizedTest(name = "memory tier {0} bytes")
  @ValueSource(longs = {0, 512 << 20})
  void cancelledStreamsLogNoWarning(long memoryBytes) throws Exception {
    Path file = tmp.resolve("cancelled.parquet");
    IstziioData.write(file, 5, 0, 300_000, 32_768); // 48 MB: the streams are cut mid-way
    s3.put(BUCKET, "cancelled.parquet", file);
    String path = "s3://data/cancelled.parquet";
    Node node = start(config(256 << 20).withMemoryBytes(memoryBytes));
    FlightClient client = connect(node);
    read(client, path); // cached (and decoded, with the memory tier)

    // Every logger at DEBUG but those held at INFO (logback-test.xml, as the node's own file):
    // gRPC's and Netty's records arrive through the java.util.logging bridge.
    try (LogCapture log = LogCapture.of(Level.DEBUG, org.slf4j.Logger.ROOT_LOGGER_NAME,
        RequestLog.LOGGER)) {
      for (int i = 0; i < CANCELS; i++) {
        try (FlightStream stream = client.getStream(ReadTicket.of(path).toFlightTicket())) {
          assertTrue(stream.next());
          stream.cancel("the reader has what it needs", null);
        }
      }
      assertEquals(300_000, read(client, path).rows().size(), "the node serves on");
      waitUntil(() -> log.messages(RequestLog.LOGGER).size() == CANCELS + 1);

      assertEquals(List.of(), log.events(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).stream()
          .map(LogCapture::text).toList());
      List<Map<String, String>> lines = log.messages(RequestLog.LOGGER).stream()
          .map(LogCapture::pairs).toList();
      for (Map<String, String> line : lines.subList(0, CANCELS)) {
        assertEquals("CANCELLED", line.get("status"), line::toString);
        assertEquals(path, line.get("path"));
      }
      assertEquals("OK", lines.get(CANCELS).get("status"));
      List<String> cancelled = log.messages(CallRecord.class.getName());
      assertEquals(CANCELS, cancelled.size(), () -> "one DEBUG line per cancelled stream: " + cancelled);
      assertTrue(cancelled.stream().allMatch(m -> m.startsWith("cancelled by the client: call=DoGet path="
          + path)), cancelled::toString);
    }
  }
}
