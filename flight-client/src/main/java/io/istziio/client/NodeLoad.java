package io.istziio.client;

import java.util.concurrent.ConcurrentHashMap;

/**
 * This client's reads in flight per node, keyed by the node's Flight location: a read counts from
 * just before its DoGet is sent until its stream is closed, on whichever node it runs. Only this
 * client's own reads are seen, not other clients' nor the node's real load; that is enough to keep
 * one client from piling a hot file onto its primary.
 *
 * <p>Thread-safe: each count changes only inside {@link ConcurrentHashMap#compute}, atomic per key;
 * a count that falls to 0 is removed, so the map holds only nodes with reads under way.
 */
final class NodeLoad {

  private final ConcurrentHashMap<String, Integer> inFlight = new ConcurrentHashMap<>();

  /** A read starts on the node at {@code location}. Pair every call with {@link #finished}. */
  void started(String location) {
    inFlight.merge(location, 1, Integer::sum);
  }

  /** A read {@linkplain #started started} on {@code location} ended, however it ended. */
  void finished(String location) {
    inFlight.computeIfPresent(location, (key, count) -> count > 1 ? count - 1 : null);
  }

  /** Reads in flight on the node at {@code location} now; 0 for a node never used. */
  int inFlight(String location) {
    return inFlight.getOrDefault(location, 0);
  }
}
