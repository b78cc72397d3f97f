package io.istziio.client;

import org.apache.arrow.flight.FlightStream;

/**
 * Lets one thread stop another's endpoint read: {@link #cancel} cancels the stream being read
 * (and any the read opens later), and the read then fails rather than fail over.
 */
final class Cancellation {

  private volatile boolean cancelled;
  private volatile FlightStream stream;

  /** Called by the read with each stream it opens. */
  void opened(FlightStream opened) {
    stream = opened;
    if (cancelled) { // cancel() ran before the stream was known
      cancelQuietly(opened);
    }
  }

  void cancel() {
    cancelled = true;
    FlightStream current = stream;
    if (current != null) {
      cancelQuietly(current);
    }
  }

  boolean cancelled() {
    return cancelled;
  }

  private static void cancelQuietly(FlightStream stream) {
    try {
      stream.cancel("the dataset read was stopped", null);
    } catch (RuntimeException e) {
      // it ended meanwhile
    }
  }
}
