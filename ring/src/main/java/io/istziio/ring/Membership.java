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

  /** False while the source cannot be reached and the last view is being kept. */
  default boolean reachable() {
    return true;
  }

  @Override
  default void close() {}
}
