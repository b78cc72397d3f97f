package io.istziio.client.cli;

import org.apache.arrow.flight.FlightRuntimeException;

/** One-line messages for errors, for people rather than logs. */
final class Messages {

  private Messages() {}

  static String of(Throwable e) {
    if (e instanceof FlightRuntimeException flight) {
      String description = flight.status().description();
      return flight.status().code() + ": " + (description == null ? "" : description);
    }
    return e.getMessage() != null ? e.getMessage() : e.toString();
  }
}
