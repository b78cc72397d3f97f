package io.istziio.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The placement targets of the ring issue, measured over a million random paths. */
class RingViewTest {

  private static final int PATHS = 1_000_000;
  private static final String[] SAMPLE = randomPaths(PATHS);

  private static String[] randomPaths(int count) {
    SplittableRandom random = new SplittableRandom(42);
    String[] paths = new String[count];
    for (int i = 0; i < count; i++) {
      paths[i] = "s3://warehouse/table/part-" + Long.toHexString(random.nextLong()) + ".parquet";
    }
    return paths;
  }

  private static List<Member> members(int count) {
    return IntStream.range(0, count)
        .mapToObj(i -> new Member("node-" + i, "grpc+tcp://10.0.0." + i + ":8815", 1)).toList();
  }

  private static Map<String, Integer> primaryCounts(RingView view) {
    Map<String, Integer> counts = new HashMap<>();
    for (String path : SAMPLE) {
      counts.merge(view.primary(path).id(), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void tenEqualMembersAreBalancedWithinFivePercent() {
    Map<String, Integer> counts = primaryCounts(RingView.of(1, members(10)));
    double mean = PATHS / 10.0;
    int max = counts.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
    System.out.printf("balance, 10 members, %,d paths: max %,d = %.2f%% over the mean %,.0f%n",
        PATHS, max, (max / mean - 1) * 100, mean);
    assertEquals(10, counts.size());
    assertTrue(max <= mean * 1.05, "most loaded member holds " + max);
  }

  @Test
  void removingAMemberMovesOnlyItsPaths() {
    List<Member> ten = members(10);
    RingView before = RingView.of(1, ten);
    RingView after = RingView.of(2, ten.subList(1, 10)); // node-0 leaves
    int moved = 0;
    for (String path : SAMPLE) {
      String was = before.primary(path).id();
      String now = after.primary(path).id();
      if (!was.equals(now)) {
        assertEquals("node-0", was, "only node-0's paths move");
        moved++;
      }
      // its replica takes over: failover goes where the data already is
      if (was.equals("node-0")) {
        assertEquals(before.owners(path, 2).get(1), after.primary(path));
      }
    }
    System.out.printf("removal of 1 of 10: %.2f%% of paths moved%n", 100.0 * moved / PATHS);
  }

  @Test
  void addingAMemberMovesAboutOneNthOfThePaths() {
    List<Member> ten = members(10);
    List<Member> eleven = new ArrayList<>(ten);
    eleven.add(new Member("node-10", "grpc+tcp://10.0.0.10:8815", 1));
    RingView before = RingView.of(1, ten);
    RingView after = RingView.of(2, eleven);
    int moved = 0;
    for (String path : SAMPLE) {
      Member now = after.primary(path);
      if (!before.primary(path).equals(now)) {
        assertEquals("node-10", now.id(), "paths move only to the new member");
        moved++;
      }
    }
    double share = (double) moved / PATHS;
    System.out.printf("addition of an 11th member: %.2f%% of paths moved (1/11 = 9.09%%)%n", share * 100);
    assertEquals(1.0 / 11, share, 0.005);
  }

  @Test
  void sharesFollowTheWeights() {
    List<Member> weighted = List.of(new Member("a", "grpc+tcp://a:1", 1),
        new Member("b", "grpc+tcp://b:1", 2), new Member("c", "grpc+tcp://c:1", 3),
        new Member("d", "grpc+tcp://d:1", 4));
    Map<String, Integer> counts = primaryCounts(RingView.of(1, weighted));
    for (Member member : weighted) {
      double share = counts.get(member.id()) / (double) PATHS;
      System.out.printf("weight %d of 10: %.2f%% of paths%n", member.weight(), share * 100);
      assertEquals(member.weight() / 10.0, share, 0.005);
    }
  }

  @Test
  void ownersAreDistinctOrderedAndTheSameEverywhere() {
    RingView view = RingView.of(7, members(5));
    List<Member> reversed = new ArrayList<>(members(5));
    java.util.Collections.reverse(reversed);
    RingView sameMembersOtherOrder = RingView.of(7, reversed);
    for (int i = 0; i < 10_000; i++) {
      List<Member> owners = view.owners(SAMPLE[i], 3);
      assertEquals(3, new HashSet<>(owners).size());
      assertEquals(owners.get(0), view.primary(SAMPLE[i]));
      assertEquals(owners, sameMembersOtherOrder.owners(SAMPLE[i], 3));
      assertEquals(owners.subList(0, 2), view.owners(SAMPLE[i], 2));
    }
    assertEquals(5, view.owners("x", 9).size(), "no more owners than members");
  }

  @Test
  void placementIsPinnedSoOtherClientsCanReproduceIt() {
    // Changing the hash or the score silently reshuffles every cache; this pins them.
    RingView view = RingView.of(1, members(3));
    assertEquals(List.of("node-0", "node-1", "node-2"),
        view.owners("s3://bucket/key.parquet", 3).stream().map(Member::id).toList());
  }

  @Test
  void anEmptyViewOwnsNothing() {
    assertNull(RingView.empty().primary("s3://b/k"));
    assertTrue(RingView.empty().owners("s3://b/k", 2).isEmpty());
  }
}
