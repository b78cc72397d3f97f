package io.istziio.server.handoff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.ring.Member;
import io.istziio.ring.RingHistory;
import io.istziio.ring.RingView;
import io.istziio.ring.StaticMembership;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Whom a miss asks for a copy, over real ring views: where the path was before the last changes,
 * including when two nodes joined one after the other and both outrank its old owner.
 */
class PeerCandidatesTest {

  private static Member member(String id) {
    return new Member(id, "grpc+tcp://127.0.0.1:" + (9000 + id.hashCode() % 100), 1);
  }

  private static final Member N1 = member("n1");
  private static final Member N2 = member("n2");
  private static final Member N3 = member("n3");
  private static final Member N4 = member("n4");
  private static final Member N5 = member("n5");

  private static PeerCandidates candidates(Member self, List<RingView> views, int replicas) {
    StaticMembership current = new StaticMembership(views.get(views.size() - 1).members());
    RingHistory history = new RingHistory(3);
    views.forEach(history::record);
    return new PeerCandidates(() -> self, current, history, replicas, 3);
  }

  @Test
  void twoJoinsInARowStillFindThePathsOldOwner() {
    RingView three = RingView.of(1, List.of(N1, N2, N3));
    RingView four = RingView.of(2, List.of(N1, N2, N3, N4));
    RingView five = RingView.of(3, List.of(N1, N2, N3, N4, N5));
    // A path that n4 then n5 both outrank its old owner on, n4 first: n4 owns it now.
    String path = IntStream.range(0, 10_000).mapToObj(i -> "s3://b/k-" + i)
        .filter(p -> five.owners(p, 2).equals(List.of(N4, N5)))
        .findFirst().orElseThrow();
    Member oldOwner = three.primary(path);

    // n4 joined at view "four" and follows from there: it never saw "three".
    List<Member> asked = candidates(N4, List.of(four, five), 1).of(path);

    assertTrue(asked.contains(oldOwner), asked + " holds " + oldOwner);
    assertFalse(asked.contains(N4), "never itself");
    assertTrue(asked.size() <= 3);
  }

  @Test
  void aMemberThatLeftIsNotAskedAndNeitherIsAnyoneWithoutPeers() {
    RingView all = RingView.of(1, List.of(N1, N2, N3));
    RingView left = RingView.of(2, List.of(N1, N2));
    String path = IntStream.range(0, 10_000).mapToObj(i -> "s3://b/k-" + i)
        .filter(p -> all.primary(p).equals(N3) && left.primary(p).equals(N1))
        .findFirst().orElseThrow();

    assertEquals(List.of(N2), candidates(N1, List.of(all, left), 1).of(path),
        "n3 left: only the remaining member");
    assertEquals(List.of(), candidates(N1, List.of(RingView.of(1, List.of(N1))), 2).of(path));
  }
}
