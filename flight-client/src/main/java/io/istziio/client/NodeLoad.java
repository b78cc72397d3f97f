package io.istziio.client;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * This client's recent requests: the node (its Flight location) and the path of each of its last
 * {@link #WINDOW} reads, in a ring buffer, with the counts per node and per path over that window;
 * and its reads in flight per path. A read counts in the window from the moment its node is chosen
 * (or, for a failover, tried), finished or not, until {@link #WINDOW} later reads push it out; it
 * counts in flight until its stream is closed. Only this client's own reads are seen, not other
 * clients' nor the nodes' real load; that is enough to keep one client from piling a hot file onto
 * its primary. No clock: the window slides by reads, not by time, so the same reads in the same
 * order give the same choices.
 *
 * <p>Thread-safe: every method is {@code synchronized} on this object, which guards the ring
 * buffer and the three count maps together, so a choice sees one moment and is counted before the
 * next read chooses (two reads starting together never both take the last slot under a bound).
 * Each section is a few map updates plus one pass over the read's owners and the known nodes.
 */
final class NodeLoad {

  /** Reads the window holds: this client's last 64 reads. */
  static final int WINDOW = 64;

  private final String[] nodes = new String[WINDOW]; // the node of each read in the window
  private final String[] paths = new String[WINDOW]; // and its path; null: slot not used yet
  private int next; // the slot the next read takes, the oldest read's once the window is full
  private int size; // reads in the window, ≤ WINDOW
  private final Map<String, Integer> perNode = new HashMap<>(); // window counts; > 0 only
  private final Map<String, Integer> perPath = new HashMap<>(); // window counts; > 0 only
  private final Map<String, Integer> inFlight = new HashMap<>(); // reads per path; > 0 only

  /**
   * Chooses which of {@code owners} a read of {@code path} starts at, by {@link
   * OwnerChoice#choose} over the window counts, and counts the read as started there (in the
   * window and in flight), in one step. Pair it with {@link #finished}.
   *
   * @param owners the path's owners' locations in ring order, primary first; not empty
   * @param known every node the client knows (the ring's members), the owners included; its
   *     size is {@code n} and the window's reads at these nodes are {@code w}
   * @param spread false: always the primary (the read is still counted)
   * @return the index in {@code owners} of the chosen owner
   */
  synchronized int start(List<String> owners, String path, Collection<String> known,
      boolean spread) {
    int chosen = 0;
    if (spread && owners.size() > 1) {
      long reads = 0;
      for (String node : known) {
        reads += perNode.getOrDefault(node, 0);
      }
      int[] counts = new int[owners.size()];
      for (int i = 0; i < counts.length; i++) {
        counts[i] = perNode.getOrDefault(owners.get(i), 0);
      }
      chosen = OwnerChoice.choose(counts, reads, known.size(), hot(path));
    }
    started(owners.get(chosen), path);
    return chosen;
  }

  /**
   * A read of {@code path} starts at the node at {@code location}, chosen by the caller (a
   * failover to the next owner): counted in the window and in flight. Pair it with {@link
   * #finished}.
   */
  synchronized void started(String location, String path) {
    if (size == WINDOW) { // the oldest read leaves the window
      decrement(perNode, nodes[next]);
      decrement(perPath, paths[next]);
    } else {
      size++;
    }
    nodes[next] = location;
    paths[next] = path;
    next = (next + 1) % WINDOW;
    perNode.merge(location, 1, Integer::sum);
    perPath.merge(path, 1, Integer::sum);
    inFlight.merge(path, 1, Integer::sum);
  }

  /** A read of {@code path} {@linkplain #started started} ended, however it ended. */
  synchronized void finished(String path) {
    decrement(inFlight, path);
  }

  /** Reads in the window that went to the node at {@code location}; 0 for a node not among them. */
  synchronized int recent(String location) {
    return perNode.getOrDefault(location, 0);
  }

  /** Reads in the window, at most {@link #WINDOW}. */
  synchronized int recentReads() {
    return size;
  }

  /** Reads of {@code path} in flight now, on any node. */
  synchronized int reading(String path) {
    return inFlight.getOrDefault(path, 0);
  }

  /** Whether {@code path} is hot: read within the window, or being read now. */
  synchronized boolean hot(String path) {
    return perPath.containsKey(path) || inFlight.containsKey(path);
  }

  private static void decrement(Map<String, Integer> counts, String key) {
    counts.computeIfPresent(key, (k, count) -> count > 1 ? count - 1 : null);
  }
}
