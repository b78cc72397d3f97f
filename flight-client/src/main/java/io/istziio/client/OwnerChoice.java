package io.istziio.client;

import io.istziio.ring.Member;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which owner of a path a read goes to first: consistent hashing with bounded loads (V. Mirrokni,
 * M. Thorup, M. Zadimoghaddam, "Consistent Hashing with Bounded Loads", SODA 2018,
 * arXiv:1608.01350, 2016) over this client's recent requests ({@link NodeLoad}: the nodes its last
 * {@link NodeLoad#WINDOW} = 64 reads went to). Every node has the capacity
 *
 * <pre>  C = ceil((1 + ε) · (w + 1) / n)</pre>
 *
 * where {@code w} is the reads in the window (≤ 64; those at the nodes known), {@code n} the nodes
 * the client knows (the ring's members and the path's owners) and the {@code + 1} the read being
 * placed.
 *
 * <ul>
 *   <li>A path that is not <em>hot</em> (not read within the window, no read in flight) goes to its
 *       primary, whatever the loads: a file read now and then is cached on one node only.
 *   <li>A hot path's read goes to the first owner in ring order whose window count is below C;
 *       when none is, to the owner with the fewest reads in the window (the first in ring order on
 *       a tie).
 *   <li>The owners after the chosen one keep their ring order: they are the read's failover order.
 * </ul>
 *
 * <p>So the requests each node receives from this client stay within about (1 + ε) of the mean
 * over the last 64 reads, as far as the hot paths' owners allow (a read only moves among its path's
 * owners). {@link #EPSILON} = 0.25 is the paper's c = 1 + ε (HAProxy's {@code hash-balance-factor
 * 125} is the same bound). The cost: a hot file is read, and so cached, on more than one of its
 * owners (each fills read-through on its first read: a DoGet at any owner is served). Counting
 * requests rather than reads in flight keeps the rule working when reads are few or fast (one
 * at a time, a hot file alternates between its owners) and makes the nodes' request counts, not
 * their in-flight counts, even. No clock enters the rule: the same reads in the same order give the
 * same choices.
 */
final class OwnerChoice {

  /** The paper's ε: a node's window count is bounded by (1 + ε) times the mean. */
  static final double EPSILON = 0.25;

  private OwnerChoice() {}

  /**
   * The capacity C of every node: {@code ceil((1 + ε) · (recentReads + 1) / nodes)}.
   *
   * @param recentReads reads in the window before this one (≥ 0)
   * @param nodes the nodes known, ≥ 1
   */
  static int capacity(long recentReads, int nodes) {
    if (nodes < 1 || recentReads < 0) {
      throw new IllegalArgumentException("need nodes >= 1 and recentReads >= 0; got nodes="
          + nodes + ", recentReads=" + recentReads);
    }
    return (int) Math.ceil((1 + EPSILON) * (recentReads + 1) / nodes);
  }

  /**
   * The index of the owner a read goes to first.
   *
   * @param ownerCounts reads in the window at each owner, in ring order (primary first); not empty
   * @param recentReads reads in the window at all the known nodes, the owners included
   * @param nodes the nodes known, at least as many as the owners (fewer count as the owners)
   * @param hot whether the path was read within the window or has a read in flight; false: 0
   * @return an index into {@code ownerCounts}
   */
  static int choose(int[] ownerCounts, long recentReads, int nodes, boolean hot) {
    if (ownerCounts.length == 0) {
      throw new IllegalArgumentException("a path has at least one owner");
    }
    if (!hot) {
      return 0;
    }
    int capacity = capacity(recentReads, Math.max(nodes, ownerCounts.length));
    int least = 0;
    for (int i = 0; i < ownerCounts.length; i++) {
      if (ownerCounts[i] < capacity) {
        return i;
      }
      if (ownerCounts[i] < ownerCounts[least]) {
        least = i;
      }
    }
    return least;
  }

  /**
   * {@code owners} (ring order, primary first) reordered for one read of {@code path}: the owner
   * {@link #choose} picks first (the primary when {@code spread} is false), then the others in ring
   * order; the read is counted in {@code load} as started at that first owner, in the same step
   * (so pair it with {@link NodeLoad#finished}; count a failover to a later owner with {@link
   * NodeLoad#started}). An empty list is returned as it is, and nothing is counted.
   *
   * @param members the ring's members (the nodes known besides the owners); may be empty
   */
  static List<Member> order(List<Member> owners, String path, Collection<Member> members,
      NodeLoad load, boolean spread) {
    if (owners.isEmpty()) {
      return owners;
    }
    Set<String> known = new LinkedHashSet<>();
    for (Member member : members) {
      known.add(member.location());
    }
    List<String> locations = new ArrayList<>(owners.size());
    for (Member owner : owners) {
      known.add(owner.location());
      locations.add(owner.location());
    }
    int first = load.start(locations, path, known, spread);
    if (first == 0) {
      return owners;
    }
    List<Member> ordered = new ArrayList<>(owners.size());
    ordered.add(owners.get(first));
    for (int i = 0; i < owners.size(); i++) {
      if (i != first) {
        ordered.add(owners.get(i));
      }
    }
    return ordered;
  }
}
