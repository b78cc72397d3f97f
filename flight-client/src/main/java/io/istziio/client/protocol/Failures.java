package io.istziio.client.protocol;

import org.apache.arrow.flight.ErrorFlightMetadata;
import org.apache.arrow.flight.FlightRuntimeException;

/**
 * What failed, when a node answers UNAVAILABLE: the node itself (unreachable, stopping: another
 * owner can serve) or the object store behind it (S3 down, throttling, a wrong region: every owner
 * asks the same store). Carried in the error's metadata, so any Flight client can read it.
 */
public final class Failures {

  /** The metadata key; its value names what failed. */
  public static final String SOURCE_KEY = "istziio-failed";
  /** The value for the object store. */
  public static final String STORE = "store";

  private Failures() {}

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
