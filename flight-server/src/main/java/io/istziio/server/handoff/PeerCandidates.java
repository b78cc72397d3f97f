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
 * (newest first), then in the current view; in each view, the owners it would have without this
 * node (with rendezvous hashing, one more than the replicas when this node is among them: the
 * owner it displaced when it joined; the other current owners are among them).
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
      add(found, before.owners(path, replicas + 1), current, me);
    }
    add(found, current.owners(path, replicas + 1), current, me);
    List<Member> peers = new ArrayList<>(found.values());
    return peers.size() <= limit ? peers : List.copyOf(peers.subList(0, limit));
  }

  /** Adds the first {@code replicas} owners other than {@code me} that are still members. */
  private void add(Map<String, Member> found, List<Member> owners, RingView current, Member me) {
    int others = 0;
    for (Member owner : owners) {
      if (others == replicas) {
        return;
      }
      if (owner.id().equals(me.id())) {
        continue;
      }
      others++;
      Member now = current.member(owner.id()); // its current location, if it is still a member
      if (now != null) {
        found.putIfAbsent(now.id(), now);
      }
    }
  }
}
