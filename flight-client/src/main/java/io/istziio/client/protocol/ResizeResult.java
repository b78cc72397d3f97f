package io.istziio.client.protocol;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * What {@link Actions#RESIZE} did on one node: each tier's bounds before and after, and its use
 * right after the action evicted down to the new bound.
 *
 * @param node the node's id
 * @param disk the disk tier
 * @param memory the memory tier
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ResizeResult(String node, Tier disk, Tier memory) {

  /**
   * One tier, in bytes.
   *
   * @param oldBytes the bound before
   * @param newBytes the bound now
   * @param usedBytes what the tier holds now; for disk, copies still being read when they were
   *     evicted count until their readers end
   * @param pinnedBytes disk: bytes of pinned copies, which no eviction takes; 0 for memory
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Tier(long oldBytes, long newBytes, long usedBytes, long pinnedBytes) {}

  public byte[] toJsonBytes() {
    return Json.write(this);
  }

  public static ResizeResult fromJson(byte[] json) {
    return Json.read(json, ResizeResult.class);
  }
}
