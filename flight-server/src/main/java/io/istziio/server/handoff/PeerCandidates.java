package io.istziio.server.handoff;

import io.istziio.ring.Member;
import io.istziio.ring.Membership;
import io.istziio.ring.RingHistory;
import io.istziio.ring.RingView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The peers that may hold a path, most likely first: its owners in the ring's previous views
 * (newest first), then the owners it would have in the current view without this node (with
 * rendezvous hashing, the owners before this node joined; the other current owners among them).
 * Only current members are asked (one that left is draining or down), never this node, and at
 * most {@code limit} of them.
 */
public final class PeerCandidates {

  private final Supplier<Member> self;
  private final Membership membership;
  private final RingHistory history;
  private final int replicas;
  private final int limit;

  public PeerCandidates(Supplier<Member> self, Membership membership, RingHistory history,
      int replicas, int limit) {
    this.self = self;
    this.membership = membership;
    this.history = history;
    this.replicas = replicas;
    this.limit = limit;
  }

  public List<Member> of(String path) {
    Member me = self.get();
    RingView current = membership.view();
    if (me == null || current.members().size() < 2) {
      return List.of();
    }
    Map<String, Member> found = new LinkedHashMap<>();
    for (RingView before : history.previous()) {
      add(found, before.owners(path, replicas), current, me);
    }
    // One more than the replicas: if this node is an owner, the one it displaced is the last.
    add(found, current.owners(path, replicas + 1), current, me);
    List<Member> peers = new ArrayList<>(found.values());
    return peers.size() <= limit ? peers : List.copyOf(peers.subList(0, limit));
  }

  private static void add(Map<String, Member> found, List<Member> owners, RingView current,
      Member me) {
    for (Member owner : owners) {
      Member now = current.member(owner.id()); // its current location, if it is still a member
      if (now != null && !now.id().equals(me.id())) {
        found.putIfAbsent(now.id(), now);
      }
    }
  }
}
