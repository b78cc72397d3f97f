package io.istziio.server.handoff;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.FlightStream;

/**
 * Cancels a peer's stream that stays silent too long while this node waits on it (for its first
 * answer or its next chunk), so that the miss goes on to S3; the waiting read then fails with
 * CANCELLED. Time spent elsewhere (the HEAD to S3, writing a chunk) does not count. Checks run on
 * the JDK's shared delay thread, one pending check per watch.
 */
final class SilenceWatch implements AutoCloseable {

  private final FlightStream stream;
  private final long limitNanos;
  // Written by the reading thread, read by the checks.
  private volatile long waitingSince;
  private volatile boolean waiting;
  private volatile boolean closed;
  private volatile boolean fired;

  SilenceWatch(FlightStream stream, Duration limit) {
    this.stream = stream;
    this.limitNanos = limit.toNanos();
    expect();
    check(limitNanos);
  }

  /** The reading thread is about to wait on the peer. */
  void expect() {
    waitingSince = System.nanoTime();
    waiting = true;
  }

  /** The peer answered; what follows is this node's work. */
  void heard() {
    waiting = false;
  }

  /** Whether this watch cancelled the stream. */
  boolean fired() {
    return fired;
  }

  private void check(long delayNanos) {
    CompletableFuture.delayedExecutor(delayNanos, TimeUnit.NANOSECONDS).execute(() -> {
      if (closed) {
        return;
      }
      long silent = waiting ? System.nanoTime() - waitingSince : 0;
      if (silent >= limitNanos) {
        fired = true;
        stream.cancel("the peer sent nothing for " + limitNanos / 1_000_000 + " ms", null);
        return;
      }
      check(limitNanos - silent);
    });
  }

  @Override
  public void close() {
    closed = true;
  }
}
