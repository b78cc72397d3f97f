package io.istziio.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.istziio.client.protocol.Json;
import java.io.IOException;
import org.apache.arrow.flight.Ticket;

/**
 * An endpoint's ticket as a node wrote it, sent back unchanged except for the {@code version} a
 * resumed read is pinned to. Kept as JSON rather than parsed into a ReadTicket, so that fields
 * this client does not know (a newer node's) travel intact.
 */
final class EndpointTicket {

  private final byte[] bytes;
  private final ObjectNode json; // null when the ticket is not a JSON object (another server's)

  private EndpointTicket(byte[] bytes, ObjectNode json) {
    this.bytes = bytes;
    this.json = json;
  }

  static EndpointTicket of(Ticket ticket) {
    byte[] bytes = ticket.getBytes();
    try {
      JsonNode node = Json.MAPPER.readTree(bytes);
      return new EndpointTicket(bytes, node instanceof ObjectNode object ? object : null);
    } catch (IOException notJson) {
      return new EndpointTicket(bytes, null);
    }
  }

  /** The object's path, for messages and routing; "" when the ticket names none. */
  String path() {
    JsonNode path = json == null ? null : json.get("path");
    return path != null && path.isTextual() ? path.asText() : "";
  }

  /** The version the ticket is pinned to already, or null. */
  String version() {
    JsonNode version = json == null ? null : json.get("version");
    return version != null && version.isTextual() ? version.asText() : null;
  }

  /** The ticket pinned to {@code version}; as given when null, or when it is not istziio JSON. */
  Ticket withVersion(String version) {
    if (version == null || json == null) {
      return new Ticket(bytes);
    }
    ObjectNode pinned = json.deepCopy();
    pinned.put("version", version);
    return new Ticket(Json.write(pinned));
  }
}
