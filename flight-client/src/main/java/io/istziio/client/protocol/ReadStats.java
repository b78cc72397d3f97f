package io.istziio.client.protocol;

import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.memory.ArrowBuf;

/**
 * What a node tells the client about one DoGet, sent as Flight app metadata on the last message
 * of the stream (read it with {@code FlightStream.getLatestMetadata()} once the stream ends).
 *
 * @param cache how the object was found: {@code hit}, {@code miss} (downloaded for this request
 *     or joined a download already under way) or {@code bypass} (too large to admit: downloaded
 *     to a scratch file, streamed, then deleted)
 * @param fetchNanos time this request waited for the object store (0 on a hit)
 * @param scanNanos time spent decoding Parquet into Arrow batches
 * @param sendNanos time the node waited for the client to accept batches (backpressure)
 * @param rows rows sent
 * @param batches record batches sent
 * @param bytes Arrow buffer bytes sent
 * @param rowGroups row groups in the file
 * @param rowGroupsSkipped row groups whose statistics rule out the filter, which the scanner never
 *     decodes; -1 when the node cannot tell (a Substrait filter from another tool)
 * @param rowsScanned rows in the row groups that were read; -1 when the node cannot tell
 * @param tier where the batches came from: {@code memory} (decoded batches the node held) or
 *     {@code disk} (scanned from the node's Parquet copy); null from nodes before the memory tier
 * @param version the object's version (ETag) the rows came from; null from older nodes
 */
public record ReadStats(
    String cache, long fetchNanos, long scanNanos, long sendNanos, long rows, long batches,
    long bytes, int rowGroups, int rowGroupsSkipped, long rowsScanned, String tier,
    String version) {

  public static final String HIT = "hit";
  public static final String MISS = "miss";
  public static final String BYPASS = "bypass";
  public static final String MEMORY = "memory";
  public static final String DISK = "disk";

  public boolean hit() {
    return HIT.equals(cache);
  }

  /**
   * The stats a node sent with a stream, once the stream has been read to its end; null if the
   * server sent none (it is not an istziio node, or the stream ended early).
   */
  public static ReadStats from(FlightStream stream) {
    ArrowBuf metadata = stream.getLatestMetadata();
    if (metadata == null) {
      return null;
    }
    byte[] json = new byte[(int) metadata.readableBytes()];
    metadata.getBytes(0, json);
    return fromJson(json);
  }

  public byte[] toJsonBytes() {
    return Json.write(this);
  }

  public static ReadStats fromJson(byte[] json) {
    return Json.read(json, ReadStats.class);
  }
}
