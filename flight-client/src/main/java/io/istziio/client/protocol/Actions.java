package io.istziio.client.protocol;

/** Names of the Flight actions every node answers (DoAction). */
public final class Actions {

  /** Node and cache counters as JSON: {@link NodeStats}. */
  public static final String STATS = "stats";

  /** The node's ring view as JSON: {@link RingState}. */
  public static final String RING = "ring";

  private Actions() {}
}
