package io.istziio.client.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import org.apache.arrow.memory.ArrowBuf;

/**
 * The version of the object a DoGet serves, sent as app metadata of the stream's first batch
 * ({@code {"version": "<ETag>"}}), so that a client whose stream breaks can resume the read on
 * another node pinned to that version ({@link ReadTicket#version}). When the first batch is also
 * the last it carries the {@link ReadStats} instead, which hold the version too.
 *
 * @param version the object's ETag, quotes included, as the store reported it
 */
public record ServedVersion(String version) {

  public byte[] toJsonBytes() {
    return Json.write(this);
  }

  /**
   * The {@code version} field of a message's app metadata (ServedVersion or ReadStats); null when
   * there is no metadata, or it has no version (a node from before versions were sent).
   */
  public static String from(ArrowBuf metadata) {
    if (metadata == null || metadata.readableBytes() == 0) {
      return null;
    }
    byte[] json = new byte[(int) metadata.readableBytes()];
    metadata.getBytes(0, json);
    try {
      JsonNode version = Json.MAPPER.readTree(json).get("version");
      return version != null && version.isTextual() ? version.asText() : null;
    } catch (IOException e) {
      return null; // not istziio's metadata: nothing to pin
    }
  }
}
