package io.istziio.server;

import io.istziio.client.protocol.ReadStats;
import io.istziio.client.protocol.ReadTicket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/** Reads a DoGet to the end through a real Flight client and keeps what came back. */
public final class FlightReads {

  /** What one DoGet returned: the schema, every row as column → value, and the node's stats. */
  public record Result(Schema schema, List<Map<String, Object>> rows, long batches, ReadStats stats) {}

  private FlightReads() {}

  public static Result read(FlightClient client, ReadTicket ticket) throws Exception {
    try (FlightStream stream = client.getStream(ticket.toFlightTicket())) {
      VectorSchemaRoot root = stream.getRoot();
      List<Map<String, Object>> rows = new ArrayList<>();
      long batches = 0;
      while (stream.next()) {
        if (root.getRowCount() > 0) {
          batches++;
        }
        for (int i = 0; i < root.getRowCount(); i++) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (FieldVector vector : root.getFieldVectors()) {
            row.put(vector.getName(), normalize(vector.getObject(i)));
          }
          rows.add(row);
        }
      }
      return new Result(root.getSchema(), rows, batches, ReadStats.from(stream));
    }
  }

  private static Object normalize(Object value) {
    // Strings arrive as Arrow Text; dates as LocalDate via getObject; keep comparisons simple.
    return value instanceof org.apache.arrow.vector.util.Text text ? text.toString() : value;
  }
}
