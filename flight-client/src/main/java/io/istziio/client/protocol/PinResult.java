package io.istziio.client.protocol;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * What {@link Actions#PIN} or {@link Actions#UNPIN} did on one node.
 *
 * @param node the node's id
 * @param paths paths pinned (pin: all those named, already pinned or not) or unpinned
 * @param bytes bytes on disk of those paths' cached copies
 * @param downloaded pin: of {@code paths}, how many the node had to download first
 * @param pinnedEntries cached copies pinned on the node afterwards, all paths together
 * @param pinnedBytes their bytes on disk, which count against the disk bound
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record PinResult(String node, int paths, long bytes, int downloaded, long pinnedEntries,
    long pinnedBytes) {

  public byte[] toJsonBytes() {
    return Json.write(this);
  }

  public static PinResult fromJson(byte[] json) {
    return Json.read(json, PinResult.class);
  }
}
