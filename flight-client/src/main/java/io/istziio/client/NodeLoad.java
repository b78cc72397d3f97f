package io.istziio.client;

import java.util.concurrent.ConcurrentHashMap;

/**
 * This client's reads in flight, per node (keyed by the node's Flight location) and per path: a
 * read counts from just before its DoGet is sent until its stream is closed, on whichever node it
 * runs. Only this client's own reads are seen, not other clients' nor the node's real load; that
 * is enough to keep one client from piling a hot file onto its primary.
 *
 * <p>Thread-safe: each count changes only inside {@link ConcurrentHashMap#merge} or {@link
 * ConcurrentHashMap#computeIfPresent}, atomic per key; a count that falls to 0 is removed, so the
 * maps hold only nodes and paths with reads under way. The two maps are updated one after the
 * other, not together: a reader may see a read counted in one and not yet in the other.
 */
final class NodeLoad {

  private final ConcurrentHashMap<String, Integer> perNode = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Integer> perPath = new ConcurrentHashMap<>();

  /** A read of {@code path} starts on the node at {@code location}; pair it with {@link #finished}. */
  void started(String location, String path) {
    perNode.merge(location, 1, Integer::sum);
    perPath.merge(path, 1, Integer::sum);
  }

  /** A read {@linkplain #started started} with these arguments ended, however it ended. */
  void finished(String location, String path) {
    perNode.computeIfPresent(location, (key, count) -> count > 1 ? count - 1 : null);
    perPath.computeIfPresent(path, (key, count) -> count > 1 ? count - 1 : null);
  }

  /** Reads in flight on the node at {@code location} now; 0 for a node never used. */
  int inFlight(String location) {
    return perNode.getOrDefault(location, 0);
  }

  /** Reads of {@code path} in flight now, on any node. */
  int reading(String path) {
    return perPath.getOrDefault(path, 0);
  }
}
