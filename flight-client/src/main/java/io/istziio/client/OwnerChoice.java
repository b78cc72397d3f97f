package io.istziio.client;

import io.istziio.ring.Member;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which owner of a path a read goes to first, by load: consistent hashing with bounded loads
 * (V. Mirrokni, M. Thorup, M. Zadimoghaddam, "Consistent Hashing with Bounded Loads", SODA 2018,
 * arXiv:1608.01350, 2016). Every node has the capacity
 *
 * <pre>  C = ceil((1 + ε) · (m + 1) / n) + s</pre>
 *
 * where {@code m} is this client's reads in flight over the {@code n} nodes it knows (the ring's
 * members and the path's owners), {@code + 1} in {@code m + 1} is the read being placed, and the
 * slack {@code s} is 1 for a path this client is not reading already and 0 for one it is (a hot
 * path). The read goes to the first owner in ring order holding fewer than C reads; when every
 * owner is full, to the least loaded owner (the first of those in ring order on a tie). The owners
 * after the chosen one keep their ring order: they are the read's failover order.
 *
 * <p>So a file read one at a time always goes to its primary (with nothing in flight C ≥ 2), and
 * cold files stay cached on one node only; a file read by many at once spreads over its owners,
 * which fill on their first read (a DoGet on any owner is served read-through). {@link #EPSILON}
 * = 0.25 keeps each node within about 25% of the mean in-flight count (the paper's c = 1 + ε;
 * HAProxy's {@code hash-balance-factor 125} is the same bound). The slack of 1 keeps a file that
 * is not being read off its replicas while the primary holds a read or two of other files (with
 * m = 1 the paper's bound alone would send it elsewhere, and its copy would be duplicated); a path
 * with a read in flight gets the paper's bound as it is.
 */
final class OwnerChoice {

  /** The paper's ε: the bound on a node's load is (1 + ε) times the mean, plus the slack. */
  static final double EPSILON = 0.25;
  /**
   * Reads a node may hold above (1 + ε) times the mean before the next read of a path that this
   * client is not reading already moves on; 0 for a path it is reading.
   */
  static final int SLACK = 1;

  private OwnerChoice() {}

  /**
   * The capacity C of every node: {@code ceil((1 + ε) · (inFlight + 1) / nodes) + slack}.
   *
   * @param inFlight reads in flight on all the {@code nodes} before this one (≥ 0)
   * @param nodes the nodes known, ≥ 1
   * @param hot whether this client has a read of the same path in flight (slack 0, else {@link
   *     #SLACK})
   */
  static int capacity(long inFlight, int nodes, boolean hot) {
    if (nodes < 1 || inFlight < 0) {
      throw new IllegalArgumentException("need nodes >= 1 and inFlight >= 0; got nodes=" + nodes
          + ", inFlight=" + inFlight);
    }
    return (int) Math.ceil((1 + EPSILON) * (inFlight + 1) / nodes) + (hot ? 0 : SLACK);
  }

  /**
   * The index of the owner a read goes to first.
   *
   * @param ownerLoads reads in flight on each owner, in ring order (primary first); not empty
   * @param totalInFlight reads in flight on all the known nodes, the owners included
   * @param nodes the nodes known, at least as many as the owners
   * @param hot whether this client has a read of the same path in flight
   * @return an index into {@code ownerLoads}
   */
  static int choose(int[] ownerLoads, long totalInFlight, int nodes, boolean hot) {
    if (ownerLoads.length == 0) {
      throw new IllegalArgumentException("a path has at least one owner");
    }
    int capacity = capacity(totalInFlight, Math.max(nodes, ownerLoads.length), hot);
    int least = 0;
    for (int i = 0; i < ownerLoads.length; i++) {
      if (ownerLoads[i] < capacity) {
        return i;
      }
      if (ownerLoads[i] < ownerLoads[least]) {
        least = i;
      }
    }
    return least;
  }

  /**
   * {@code owners} (ring order, primary first) reordered for one read: the owner {@link #choose}
   * picks first, then the others in ring order. Loads are read once each, without a lock: reads
   * starting at the same moment may see the same counts and choose alike, which only delays the
   * spreading by a read or two.
   *
   * @param path the path read, whose reads in flight make it hot
   * @param members the ring's members (the nodes known besides the owners); may be empty
   */
  static List<Member> order(List<Member> owners, String path, Collection<Member> members,
      NodeLoad load) {
    if (owners.size() < 2) {
      return owners;
    }
    Set<String> known = new LinkedHashSet<>();
    for (Member member : members) {
      known.add(member.location());
    }
    for (Member owner : owners) {
      known.add(owner.location());
    }
    long total = 0;
    for (String location : known) {
      total += load.inFlight(location);
    }
    int[] loads = new int[owners.size()];
    for (int i = 0; i < loads.length; i++) {
      loads[i] = load.inFlight(owners.get(i).location());
    }
    int first = choose(loads, total, known.size(), load.reading(path) > 0);
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
