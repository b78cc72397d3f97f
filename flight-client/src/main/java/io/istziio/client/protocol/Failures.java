package io.istziio.client.protocol;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import org.apache.arrow.flight.ErrorFlightMetadata;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.grpc.StatusUtils;

/**
 * What failed, when a node answers UNAVAILABLE: the node itself (unreachable, stopping: another
 * owner can serve) or the object store behind it (S3 down, throttling, a wrong region: every owner
 * asks the same store); and, with NOT_FOUND, a pinned version rather than the object. Carried in
 * the error's metadata, so any Flight client can read it: the trailer {@link #SOURCE_KEY} (what
 * this client reads). A store failure is also told in a {@code google.rpc.Status} in {@link
 * #DETAILS_KEY} holding one {@code google.rpc.ErrorInfo} (domain {@link #DOMAIN}, reason {@code
 * STORE}, metadata {@code istziio-failed: store}), which gRPC clients read as the status's details
 * and pyarrow hands to Python as {@code FlightError.extra_info}: pyarrow shows no other trailer,
 * and reads that one only beside Arrow C++'s {@link #ARROW_STATUS_KEY}.
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

  /** gRPC's trailer for the status's details, a serialized {@code google.rpc.Status}. */
  public static final String DETAILS_KEY = "grpc-status-details-bin";

  /**
   * Arrow C++'s trailer for the Arrow status code of an error; Arrow C++ (and so pyarrow) clients
   * read {@link #DETAILS_KEY} only when it is present.
   */
  public static final String ARROW_STATUS_KEY = "x-arrow-status";

  /**
   * The Arrow status code (IOError) that Arrow C++ gives an UNAVAILABLE anyway, so sending it
   * changes nothing else a pyarrow client sees (the error stays FlightUnavailableError).
   */
  private static final String ARROW_IO_ERROR = "5";

  /** The ErrorInfo domain of the details. */
  public static final String DOMAIN = "istziio";

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

  /**
   * Metadata that marks an UNAVAILABLE as the object store's.
   *
   * @param message the status's message, repeated in the details (a gRPC client may take the
   *     status from them)
   */
  public static ErrorFlightMetadata store(String message) {
    ErrorFlightMetadata metadata = new ErrorFlightMetadata();
    metadata.insert(SOURCE_KEY, STORE);
    ErrorInfo info = ErrorInfo.newBuilder().setDomain(DOMAIN).setReason("STORE")
        .putMetadata(SOURCE_KEY, STORE).build();
    metadata.insert(DETAILS_KEY, com.google.rpc.Status.newBuilder()
        .setCode(StatusUtils.toGrpcStatusCode(FlightStatusCode.UNAVAILABLE).value())
        .setMessage(message)
        .addDetails(Any.pack(info))
        .build().toByteArray());
    metadata.insert(ARROW_STATUS_KEY, ARROW_IO_ERROR);
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
