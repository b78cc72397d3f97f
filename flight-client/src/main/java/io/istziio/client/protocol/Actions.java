package io.istziio.client.protocol;

/**
 * Names of the Flight actions every node answers (DoAction). The admin actions take and answer
 * JSON bodies (see their records); the README's "Admin actions" section shows each.
 */
public final class Actions {

  /** Node and cache counters as JSON: {@link NodeStats}. */
  public static final String STATS = "stats";

  /** The node's ring view as JSON: {@link RingState}. */
  public static final String RING = "ring";

  /** Drops cached copies from the node's tiers: {@link EvictRequest}, {@link EvictResult}. */
  public static final String EVICT = "evict";

  /**
   * Downloads objects into their owners' disk caches, one result per copy as it is done: {@link
   * WarmRequest}, a stream of {@link WarmProgress}.
   */
  public static final String WARM = "warm";

  /** Keeps objects in the node's disk cache whatever else is read: {@link PinRequest}, {@link PinResult}. */
  public static final String PIN = "pin";

  /** Lets pinned objects be evicted again: {@link PinRequest}, {@link PinResult}. */
  public static final String UNPIN = "unpin";

  /** Changes the node's disk and memory bounds at run time: {@link ResizeRequest}, {@link ResizeResult}. */
  public static final String RESIZE = "resize";

  /** Leaves the ring, finishes the running streams and stops the node: {@link DrainResult}. */
  public static final String DRAIN = "drain";

  private Actions() {}
}
