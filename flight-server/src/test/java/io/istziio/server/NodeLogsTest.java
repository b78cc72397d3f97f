package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.data.IstziioData;
import io.istziio.client.protocol.ReadTicket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Clients that cancel are routine: a node logs nothing above DEBUG for them. (gRPC's transport
 * logged a WARNING with a Netty stack trace for a good share of cancelled DoGets, which filled
 * a node's log.)
 */
class NodeLogsTest extends NodeTestBase {

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

    List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
          warnings.add(record);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger root = Logger.getLogger("");
    root.addHandler(capture);
    try {
      for (int i = 0; i < 20; i++) {
        try (FlightStream stream = client.getStream(ReadTicket.of(path).toFlightTicket())) {
          assertTrue(stream.next());
          stream.cancel("the reader has what it needs", null);
        }
      }
      assertEquals(300_000, read(client, path).rows().size(), "the node serves on");
    } finally {
      root.removeHandler(capture);
    }
    assertEquals(List.of(), warnings.stream()
        .map(r -> r.getLoggerName() + ": " + r.getMessage()).toList());
  }
}
