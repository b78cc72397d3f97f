package io.istziio.client.protocol;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * What {@link Actions#EVICT} dropped on one node.
 *
 * @param node the node's id
 * @param entries copies dropped from the disk tier
 * @param bytes their bytes on disk; a copy still being read is deleted when its last reader ends,
 *     so the disk's used bytes may fall a little later
 * @param inUse of {@code entries}, copies that were being read when dropped
 * @param memoryEntries decoded files dropped from the memory tier
 * @param memoryBytes their bytes
 * @param skippedPinned paths matched but pinned, left in place (send {@code force} to evict them)
 * @param unpinned with {@code force}: paths whose pin was removed
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record EvictResult(String node, long entries, long bytes, long inUse, long memoryEntries,
    long memoryBytes, List<String> skippedPinned, int unpinned) {

  public byte[] toJsonBytes() {
    return Json.write(this);
  }

  public static EvictResult fromJson(byte[] json) {
    return Json.read(json, EvictResult.class);
  }
}
