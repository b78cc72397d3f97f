package io.istziio.client.protocol;

import org.apache.arrow.flight.ErrorFlightMetadata;
import org.apache.arrow.flight.FlightRuntimeException;

/**
 * What failed, when a node answers UNAVAILABLE: the node itself (unreachable, stopping: another
 * owner can serve) or the object store behind it (S3 down, throttling, a wrong region: every owner
 * asks the same store); and, with NOT_FOUND, a pinned version rather than the object. Carried in
 * the error's metadata, so any Flight client can read it.
 */
public final class Failures {

  /** The metadata key; its value names what failed. */
  public static final String SOURCE_KEY = "istziio-failed";
  /** The value for the object store. */
  public static final String STORE = "store";

  /**
   * The value for a read pinned to a version (a resumed stream) that the node can no longer serve,
   * sent with NOT_FOUND: the object changed during the read, which must start over.
   */
  public static final String VERSION = "version";

  private Failures() {}

  /** Metadata that marks a NOT_FOUND as the pinned version's, not the object's. */
  public static ErrorFlightMetadata versionGone() {
    ErrorFlightMetadata metadata = new ErrorFlightMetadata();
    metadata.insert(SOURCE_KEY, VERSION);
    return metadata;
  }

  /** Whether a node said that the version a read was pinned to is gone from the store. */
  public static boolean isVersionGone(FlightRuntimeException e) {
    ErrorFlightMetadata metadata = e.status().metadata();
    return metadata != null && metadata.containsKey(SOURCE_KEY)
        && VERSION.equals(metadata.get(SOURCE_KEY));
  }

  /** Metadata that marks an error as the object store's. */
  public static ErrorFlightMetadata store() {
    ErrorFlightMetadata metadata = new ErrorFlightMetadata();
    metadata.insert(SOURCE_KEY, STORE);
    return metadata;
  }

  /** Whether a node said that its object store, not the node, failed. */
  public static boolean isStoreFailure(FlightRuntimeException e) {
    ErrorFlightMetadata metadata = e.status().metadata();
    // get() throws for an absent key rather than answer null
    return metadata != null && metadata.containsKey(SOURCE_KEY)
        && STORE.equals(metadata.get(SOURCE_KEY));
  }
}
