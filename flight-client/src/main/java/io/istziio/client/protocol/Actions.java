package io.istziio.client.protocol;

import java.util.Set;

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

  /**
   * The actions that change a node (its cache, its bounds, its place in the ring): with a
   * {@code --token-file}, only a token marked {@code admin} may call them (else UNAUTHORIZED).
   * One exception: the share of a warm that a node forwards to an owner ({@code "local": true})
   * also takes a node token, the one nodes call each other with.
   */
  public static final Set<String> ADMIN = Set.of(EVICT, WARM, PIN, UNPIN, RESIZE, DRAIN);

  private Actions() {}
}
