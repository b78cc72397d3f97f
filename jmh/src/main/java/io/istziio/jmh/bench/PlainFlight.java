package io.istziio.jmh.bench;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * DoGet with nothing of istziio's client in the way: a ticket in the wire format written by hand
 * ({@code {"path": ..., "columns": [...]}}), sent straight to one location, the stream drained to
 * its end. The same calls reach an istziio node and the Arrow C++ peer, so the two are measured alike.
 */
final class PlainFlight {

  private PlainFlight() {}

  /** What one DoGet answered. */
  record Answer(long rows, long bytes, long digest) {}

  /** The ticket JSON for {@code path}, projected to {@code columns} when that is not null. */
  static Ticket ticket(String path, List<String> columns) {
    StringBuilder json = new StringBuilder("{\"path\": ").append(quote(path));
    if (columns != null) {
      json.append(", \"columns\": [")
          .append(columns.stream().map(PlainFlight::quote).collect(Collectors.joining(", ")))
          .append(']');
    }
    return new Ticket(json.append('}').toString().getBytes(StandardCharsets.UTF_8));
  }

  private static String quote(String text) {
    return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  /**
   * One DoGet drained to its end: rows and Arrow buffer bytes received; with {@code digest}, also
   * a hash of every value (column names, then each value's own hash, in order), which does not
   * depend on how the answer was cut into batches.
   */
  static Answer get(FlightClient client, Ticket ticket, boolean digest) throws Exception {
    long rows = 0;
    long bytes = 0;
    long hash = 17;
    try (FlightStream stream = client.getStream(ticket)) {
      VectorSchemaRoot root = stream.getRoot();
      List<FieldVector> vectors = root.getFieldVectors();
      long[] columns = new long[vectors.size()]; // one running hash a column, across batches
      if (digest) {
        hash = hash * 31 + root.getSchema().getFields().stream()
            .map(f -> f.getName() + ":" + f.getType()).collect(Collectors.joining(",")).hashCode();
      }
      while (stream.next()) {
        int count = root.getRowCount();
        rows += count;
        for (int c = 0; c < vectors.size(); c++) {
          FieldVector vector = vectors.get(c);
          bytes += vector.getBufferSize();
          if (digest) {
            long column = columns[c];
            for (int i = 0; i < count; i++) {
              column = column * 1_000_003 + vector.hashCode(i);
            }
            columns[c] = column;
          }
        }
      }
      for (long column : columns) {
        hash = hash * 31 + column;
      }
    }
    return new Answer(rows, bytes, hash);
  }
}
