package io.istziio.client.cli;

import io.istziio.client.ConnectionFailures;
import java.util.function.Supplier;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;

/** Calls to one node, with errors that name its address. */
final class NodeCalls {

  private NodeCalls() {}

  /** Runs one call to the node at {@code location}, naming it if it cannot be reached. */
  static <T> T at(String location, Supplier<T> call) {
    try {
      return call.get();
    } catch (FlightRuntimeException e) {
      if (e.status().code() == FlightStatusCode.UNAVAILABLE) {
        throw new IllegalStateException("cannot reach the node at " + location + ": "
            + ConnectionFailures.describe(e), e);
      }
      throw e;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a node location: " + location
          + " (expected grpc+tcp://host:port): " + e.getMessage(), e);
    }
  }
}
