package io.istziio.server;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flight status errors with messages that tell the user what to fix. Every error a node returns is
 * made here or by the protocol, so that no stack trace ever reaches a client.
 */
public final class Errors {

  private static final Logger LOG = LoggerFactory.getLogger(Errors.class);
  private static final AtomicLong INCIDENTS = new AtomicLong();

  private Errors() {}

  public static FlightRuntimeException invalid(String format, Object... args) {
    return CallStatus.INVALID_ARGUMENT.withDescription(String.format(format, args)).toRuntimeException();
  }

  public static FlightRuntimeException notFound(String format, Object... args) {
    return CallStatus.NOT_FOUND.withDescription(String.format(format, args)).toRuntimeException();
  }

  public static FlightRuntimeException unavailable(String format, Object... args) {
    return CallStatus.UNAVAILABLE.withDescription(String.format(format, args)).toRuntimeException();
  }

  public static FlightRuntimeException unauthenticated(String format, Object... args) {
    return CallStatus.UNAUTHENTICATED.withDescription(String.format(format, args)).toRuntimeException();
  }

  public static FlightRuntimeException unauthorized(String format, Object... args) {
    return CallStatus.UNAUTHORIZED.withDescription(String.format(format, args)).toRuntimeException();
  }

  /**
   * The error to send for any throwable: Flight errors pass through; anything else is logged with
   * a fresh incident id and becomes an INTERNAL error that names only that id.
   *
   * @param during what the node was doing, for the log
   */
  public static FlightRuntimeException toFlight(Throwable t, String during) {
    Throwable cause = unwrap(t);
    if (cause instanceof FlightRuntimeException flight) {
      return flight;
    }
    String incident = Long.toHexString(INCIDENTS.incrementAndGet() ^ System.nanoTime());
    LOG.error("incident {} during {}", incident, during, cause);
    return CallStatus.INTERNAL
        .withDescription("internal error (incident " + incident + "); the node logged the details")
        .toRuntimeException();
  }

  /**
   * The first line of a library's message: enough to say what failed, without the native stack
   * or context dump that Arrow and the AWS SDK append.
   */
  public static String firstLine(Throwable t) {
    String message = String.valueOf(t.getMessage());
    int end = message.indexOf('\n');
    return end < 0 ? message : message.substring(0, end);
  }

  /** Strips the wrappers that futures put around the exception a task threw. */
  public static Throwable unwrap(Throwable t) {
    Throwable cause = t;
    while ((cause instanceof java.util.concurrent.CompletionException
            || cause instanceof java.util.concurrent.ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
