package io.istziio.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.istziio.ring.Member;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The bounded-load rule with plain numbers, and the in-flight counts it reads. */
class OwnerChoiceTest {

  private static final Member A = new Member("a", "grpc+tcp://127.0.0.1:1", 1);
  private static final Member B = new Member("b", "grpc+tcp://127.0.0.1:2", 1);
  private static final Member C = new Member("c", "grpc+tcp://127.0.0.1:3", 1);

  @Test
  void theCapacityIsCeilOfOnePointTwoFiveTimesTheMeanWithThisReadPlusOne() {
    assertEquals(2, OwnerChoice.capacity(0, 3, false)); // ceil(1.25 · 1/3) + 1
    assertEquals(2, OwnerChoice.capacity(1, 3, false)); // ceil(1.25 · 2/3) + 1
    assertEquals(3, OwnerChoice.capacity(2, 3, false)); // ceil(1.25) + 1
    assertEquals(3, OwnerChoice.capacity(3, 3, false)); // ceil(1.667) + 1
    assertEquals(6, OwnerChoice.capacity(11, 3, false)); // ceil(5) + 1
    assertEquals(4, OwnerChoice.capacity(1, 1, false)); // ceil(2.5) + 1
    assertThrows(IllegalArgumentException.class, () -> OwnerChoice.capacity(0, 0, false));
    // A path with a read in flight already: no slack, the paper's bound as it is.
    assertEquals(1, OwnerChoice.capacity(1, 3, true)); // ceil(1.25 · 2/3)
    assertEquals(2, OwnerChoice.capacity(3, 3, true)); // ceil(1.667)
  }

  @Test
  void aSecondReadOfAPathInFlightGoesToItsReplica() {
    assertEquals(1, OwnerChoice.choose(new int[] {1, 0}, 1, 3, true)); // capacity 1
    assertEquals(0, OwnerChoice.choose(new int[] {1, 1}, 2, 3, true)); // capacity 2
  }

  @Test
  void anIdleClientAlwaysReadsFromThePrimary() {
    assertEquals(0, OwnerChoice.choose(new int[] {0, 0}, 0, 3, false));
    assertEquals(0, OwnerChoice.choose(new int[] {0, 0, 0}, 0, 3, false));
    assertEquals(0, OwnerChoice.choose(new int[] {0}, 0, 1, false));
  }

  @Test
  void aFewReadsOfOtherFilesOnThePrimaryDoNotMoveAColdFile() {
    assertEquals(0, OwnerChoice.choose(new int[] {1, 0}, 1, 3, false)); // capacity 2
    assertEquals(0, OwnerChoice.choose(new int[] {2, 0}, 2, 3, false)); // capacity 3
  }

  @Test
  void aPrimaryAtItsCapacitySendsTheReadToTheFirstReplicaUnderIt() {
    assertEquals(1, OwnerChoice.choose(new int[] {3, 0}, 3, 3, false)); // capacity 3
    assertEquals(1, OwnerChoice.choose(new int[] {3, 0, 0}, 3, 3, false));
    // 10 in flight over 4 nodes: capacity ceil(1.25 · 11/4) + 1 = 5; the primary and the first
    // replica hold 5 each.
    assertEquals(2, OwnerChoice.choose(new int[] {5, 5, 0}, 10, 4, false));
  }

  @Test
  void whenEveryOwnerIsFullTheLeastLoadedTakesIt() {
    // 14 in flight over 3 nodes: capacity ceil(1.25 · 15/3) + 1 = 8; both owners hold 8 or more.
    assertEquals(1, OwnerChoice.choose(new int[] {9, 8}, 14, 3, false));
    assertEquals(0, OwnerChoice.choose(new int[] {8, 8}, 14, 3, false)); // a tie keeps ring order
  }

  @Test
  void aHotFileReadManyAtOnceSpreadsOverItsOwners() {
    // Eight reads of one file started one after another, none finished: what the client does.
    int[] loads = new int[2];
    List<Integer> chosen = new ArrayList<>();
    for (int read = 0; read < 8; read++) {
      int owner = OwnerChoice.choose(loads, loads[0] + loads[1], 3, read > 0);
      loads[owner]++;
      chosen.add(owner);
    }
    assertEquals(List.of(0, 1, 0, 1, 0, 1, 0, 1), chosen);
  }

  @Test
  void theOrderIsTheChosenOwnerThenTheOthersInRingOrder() {
    NodeLoad load = new NodeLoad();
    List<Member> owners = List.of(A, B, C);
    assertEquals(owners, OwnerChoice.order(owners, "p", List.of(A, B, C), load));
    for (int i = 0; i < 3; i++) {
      load.started(A.location(), "other");
    }
    // 3 in flight, all on A: capacity ceil(1.25 · 4/3) + 1 = 3, so B first, then A, then C.
    assertEquals(List.of(B, A, C), OwnerChoice.order(owners, "p", List.of(A, B, C), load));
    load.finished(A.location(), "other");
    assertEquals(owners, OwnerChoice.order(owners, "p", List.of(A, B, C), load));
  }

  @Test
  void aPathBeingReadLosesTheSlack() {
    NodeLoad load = new NodeLoad();
    load.started(A.location(), "p");
    // One read of p on A: the next read of p goes to B; a read of another path stays on A.
    assertEquals(List.of(B, A, C), OwnerChoice.order(List.of(A, B, C), "p", List.of(A, B, C), load));
    assertEquals(List.of(A, B, C), OwnerChoice.order(List.of(A, B, C), "q", List.of(A, B, C), load));
    load.finished(A.location(), "p");
    assertEquals(0, load.reading("p"));
    assertEquals(List.of(A, B, C), OwnerChoice.order(List.of(A, B, C), "p", List.of(A, B, C), load));
  }

  @Test
  void theMeanCountsEveryKnownNodeNotOnlyTheOwners() {
    NodeLoad load = new NodeLoad();
    for (int i = 0; i < 3; i++) {
      load.started(A.location(), "other");
    }
    // Owners A, B of a ring of A, B, C: 3 in flight over 3 nodes, so B takes the read.
    assertEquals(List.of(B, A), OwnerChoice.order(List.of(A, B), "p", List.of(A, B, C), load));
    // Unknown members (no view yet): the owners are the nodes, 3 over 2, capacity ceil(2.5) + 1.
    assertEquals(List.of(A, B), OwnerChoice.order(List.of(A, B), "p", List.of(), load));
  }

  @Test
  void countsAreExactUnderConcurrentStartsAndFinishes() throws Exception {
    NodeLoad load = new NodeLoad();
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        done.add(threads.submit(() -> {
          for (int i = 0; i < 10_000; i++) {
            load.started(A.location(), "p");
            load.finished(A.location(), "p");
            load.started(B.location(), "q");
          }
        }));
      }
      for (Future<?> future : done) {
        future.get(30, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
    assertEquals(0, load.inFlight(A.location()));
    assertEquals(0, load.reading("p"));
    assertEquals(40_000, load.inFlight(B.location()));
    assertEquals(40_000, load.reading("q"));
  }
}
