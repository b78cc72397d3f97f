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

  /**
   * Characters of one piece of user input (a path, a column name, a filter) that a message quotes:
   * enough to recognize it, while five of them stay far below the 8 KB that gRPC allows the
   * status message header (see {@link #MAX_MESSAGE_BYTES}).
   */
  public static final int MAX_QUOTED_CHARS = 200;

  /**
   * UTF-8 bytes of a whole status message. The message travels in a gRPC header, percent-encoded
   * outside printable ASCII (up to 3 bytes a byte); pyarrow refuses headers above ~8 KB and gRPC
   * resets the stream above 16 KB, so 1,000 bytes stays under the limit in every encoding.
   */
  public static final int MAX_MESSAGE_BYTES = 1_000;

  public static FlightRuntimeException invalid(String format, Object... args) {
    return status(CallStatus.INVALID_ARGUMENT, format, args);
  }

  public static FlightRuntimeException notFound(String format, Object... args) {
    return status(CallStatus.NOT_FOUND, format, args);
  }

  public static FlightRuntimeException unavailable(String format, Object... args) {
    return status(CallStatus.UNAVAILABLE, format, args);
  }

  /**
   * UNAVAILABLE because the object store failed, not this node: marked so ({@link
   * io.istziio.client.protocol.Failures}) that a client retries it at most once instead of taking
   * it for a dead node and asking every replica's store in turn.
   */
  public static FlightRuntimeException storeUnavailable(String format, Object... args) {
    String message = message(format, args);
    return CallStatus.UNAVAILABLE.withDescription(message)
        .withMetadata(io.istziio.client.protocol.Failures.store(message)).toRuntimeException();
  }

  /**
   * NOT_FOUND for a read pinned to a version of the object that the store no longer has, marked so
   * ({@link io.istziio.client.protocol.Failures#isVersionGone}) that a client does not take it for
   * a missing object.
   */
  public static FlightRuntimeException versionGone(String format, Object... args) {
    return status(CallStatus.NOT_FOUND.withMetadata(
        io.istziio.client.protocol.Failures.versionGone()), format, args);
  }

  /** For a resource of the node that is used up (streams, memory, the cache disk). */
  public static FlightRuntimeException resourceExhausted(String format, Object... args) {
    return status(CallStatus.RESOURCE_EXHAUSTED, format, args);
  }

  public static FlightRuntimeException unauthenticated(String format, Object... args) {
    return status(CallStatus.UNAUTHENTICATED, format, args);
  }

  public static FlightRuntimeException unauthorized(String format, Object... args) {
    return status(CallStatus.UNAUTHORIZED, format, args);
  }

  /** For requests that are well-formed but ask for what the node cannot do (yet). */
  public static FlightRuntimeException unimplemented(String format, Object... args) {
    return status(CallStatus.UNIMPLEMENTED, format, args);
  }

  /**
   * Formats the message with every argument but numbers cut by {@link #shorten}: arguments are
   * where user input enters a message, and a 20,000-character column name echoed whole would make
   * the status too large for its gRPC header.
   */
  private static FlightRuntimeException status(CallStatus status, String format, Object... args) {
    return status.withDescription(message(format, args)).toRuntimeException();
  }

  /** The message of {@link #status}: arguments shortened, the whole capped. */
  private static String message(String format, Object... args) {
    Object[] shortened = new Object[args.length];
    for (int i = 0; i < args.length; i++) {
      shortened[i] = args[i] == null || args[i] instanceof Number ? args[i] : shorten(String.valueOf(args[i]));
    }
    return cap(String.format(format, shortened));
  }

  /**
   * User input fit to quote in a message: at most {@link #MAX_QUOTED_CHARS} characters, the rest
   * replaced by a note of how much was left out.
   */
  public static String shorten(String input) {
    if (input.length() <= MAX_QUOTED_CHARS) {
      return input;
    }
    int end = MAX_QUOTED_CHARS;
    if (Character.isHighSurrogate(input.charAt(end - 1))) {
      end--; // never split a character in two
    }
    return input.substring(0, end) + "...(" + (input.length() - end) + " more characters)";
  }

  /** The message cut to {@link #MAX_MESSAGE_BYTES} of UTF-8, whatever built it. */
  static String cap(String message) {
    String marker = "...(cut)";
    if (message.length() * 3 <= MAX_MESSAGE_BYTES) { // cannot be over: at most 3 bytes a char
      return message;
    }
    int bytes = 0;
    int i = 0;
    while (i < message.length()) {
      int codePoint = message.codePointAt(i);
      int size = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
      if (bytes + size > MAX_MESSAGE_BYTES - marker.length()) {
        return message.substring(0, i) + marker;
      }
      bytes += size;
      i += Character.charCount(codePoint);
    }
    return message;
  }

  /**
   * The error to send for any throwable: Flight errors pass through, their message cut to
   * {@link #MAX_MESSAGE_BYTES} (the protocol module makes some without these helpers); anything
   * else is logged with a fresh incident id and becomes an INTERNAL error that names only that id.
   *
   * @param during what the node was doing, for the log
   */
  public static FlightRuntimeException toFlight(Throwable t, String during) {
    Throwable cause = unwrap(t);
    if (cause instanceof FlightRuntimeException flight) {
      CallStatus status = flight.status();
      String description = status.description();
      if (description == null || description.equals(cap(description))) {
        return flight;
      }
      return status.withDescription(cap(description)).withCause(flight).toRuntimeException();
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
