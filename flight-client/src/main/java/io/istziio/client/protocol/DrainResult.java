package io.istziio.client.protocol;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The answer of {@link Actions#DRAIN}, sent before the node starts to stop: it leaves the ring,
 * keeps serving for {@code drainMillis} so that clients see it go, then takes no new call,
 * finishes the running streams and exits.
 *
 * @param node the node's id
 * @param drainMillis how long it keeps serving after leaving the ring
 * @param already true when a drain was already under way (this call changed nothing)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DrainResult(String node, long drainMillis, boolean already) {

  public byte[] toJsonBytes() {
    return Json.write(this);
  }

  public static DrainResult fromJson(byte[] json) {
    return Json.read(json, DrainResult.class);
  }
}
