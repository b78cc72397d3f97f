package io.istziio.ring;

import java.util.function.Consumer;

/** Where a ring view comes from, kept up to date. */
public interface Membership extends AutoCloseable {

  /** The latest view; never null. */
  RingView view();

  /** Calls {@code listener} with every new view, from a membership thread. */
  void onChange(Consumer<RingView> listener);

  /** Says where the view comes from, for the ring action: "static", "redis"... */
  String source();

  /**
   * Waits until the view has been read from its source once, so that it is complete rather than
   * only what this process knows of itself; true when it has, false after {@code timeout}.
   */
  default boolean awaitView(java.time.Duration timeout) throws InterruptedException {
    return true;
  }

  /**
   * Waits until the source has been tried once, whether it answered or not, so that a caller can
   * tell "not reachable" from "not asked yet" (a JVM starting on a loaded machine may take seconds
   * to make its first connection); true when it has, false after {@code timeout}.
   */
  default boolean awaitFirstTry(java.time.Duration timeout) throws InterruptedException {
    return awaitView(timeout);
  }

  /** False while the source cannot be reached and the last view is being kept. */
  default boolean reachable() {
    return true;
  }

  @Override
  default void close() {}
}
