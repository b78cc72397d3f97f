package io.istziio.client.protocol;

import org.apache.arrow.flight.FlightInfo;

/**
 * One object a node caches, as ListFlights describes it in each FlightInfo's app metadata:
 * {@code {"path": ..., "etag": ..., "bytes": N, "tier": "memory"|"disk"}}.
 *
 * @param path the object's URI, as tickets name it
 * @param etag the cached version
 * @param bytes bytes the tier holds: the Parquet copy's size on disk, or the decoded Arrow batches'
 *     bytes in memory
 * @param tier {@code memory} when the memory tier holds it (it is then usually on disk too), else
 *     {@code disk}
 */
public record CachedObject(String path, String etag, long bytes, String tier) {

  public byte[] toJsonBytes() {
    return Json.write(this);
  }

  /** The object a ListFlights answer describes; null if it carries no istziio metadata. */
  public static CachedObject from(FlightInfo info) {
    byte[] metadata = info.getAppMetadata();
    return metadata == null || metadata.length == 0 ? null : Json.read(metadata, CachedObject.class);
  }
}
