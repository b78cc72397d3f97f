package io.istziio.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.istziio.client.protocol.Json;
import java.io.IOException;
import org.apache.arrow.flight.FlightEndpoint;

/** What the CLI shows of a dataset's endpoint: the file its ticket reads, and its size if sent. */
final class EndpointPaths {

  private EndpointPaths() {}

  /** The ticket's {@code path}; the raw ticket text when it is not istziio JSON. */
  static String of(FlightEndpoint endpoint) {
    JsonNode path = field(endpoint.getTicket().getBytes(), "path");
    return path != null && path.isTextual() ? path.asText()
        : new String(endpoint.getTicket().getBytes(), java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * The file's bytes, when the node put {@code {"bytes": N}} in the endpoint's app metadata (the
   * dataset protocol does not require it); -1 otherwise.
   */
  static long bytes(FlightEndpoint endpoint) {
    JsonNode bytes = field(endpoint.getAppMetadata(), "bytes");
    return bytes != null && bytes.canConvertToLong() ? bytes.asLong() : -1;
  }

  private static JsonNode field(byte[] json, String name) {
    if (json == null || json.length == 0) {
      return null;
    }
    try {
      JsonNode node = Json.MAPPER.readTree(json);
      return node == null ? null : node.get(name);
    } catch (IOException notJson) {
      return null;
    }
  }
}
