package io.istziio.client.protocol;

import java.util.Set;

/** Names of the Flight actions every node answers (DoAction). */
public final class Actions {

  /** Node and cache counters as JSON: {@link NodeStats}. */
  public static final String STATS = "stats";

  /** The node's ring view as JSON: {@link RingState}. */
  public static final String RING = "ring";

  /**
   * The actions that change a node (its cache, its bounds, its place in the ring): with a
   * {@code --token-file}, only a token marked {@code admin} may call them (else UNAUTHORIZED).
   */
  public static final Set<String> ADMIN = Set.of("evict", "warm", "pin", "unpin", "resize", "drain");

  private Actions() {}
}
