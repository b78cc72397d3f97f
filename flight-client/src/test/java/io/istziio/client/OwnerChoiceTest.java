package io.istziio.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.ring.Member;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The bounded-load rule over recent requests with plain numbers, and the window it reads. */
class OwnerChoiceTest {

  private static final Member A = new Member("a", "grpc+tcp://127.0.0.1:1", 1);
  private static final Member B = new Member("b", "grpc+tcp://127.0.0.1:2", 1);
  private static final Member C = new Member("c", "grpc+tcp://127.0.0.1:3", 1);
  private static final List<Member> RING = List.of(A, B, C);

  /** One read of {@code path} at {@code owners}, chosen and ended at once: the first owner. */
  private static Member readOnce(NodeLoad load, List<Member> owners, String path) {
    Member first = OwnerChoice.order(owners, path, RING, load, true).get(0);
    load.finished(path);
    return first;
  }

  @Test
  void theCapacityIsCeilOfOnePointTwoFiveTimesTheMeanWithThisRead() {
    assertEquals(1, OwnerChoice.capacity(0, 3)); // ceil(1.25 · 1/3)
    assertEquals(1, OwnerChoice.capacity(1, 3)); // ceil(1.25 · 2/3)
    assertEquals(2, OwnerChoice.capacity(2, 3)); // ceil(1.25)
    assertEquals(2, OwnerChoice.capacity(3, 3)); // ceil(1.667)
    assertEquals(5, OwnerChoice.capacity(11, 3)); // ceil(5)
    assertEquals(27, OwnerChoice.capacity(63, 3)); // ceil(26.67): a full window
    assertEquals(3, OwnerChoice.capacity(1, 1)); // ceil(2.5)
    assertThrows(IllegalArgumentException.class, () -> OwnerChoice.capacity(0, 0));
    assertThrows(IllegalArgumentException.class, () -> OwnerChoice.capacity(-1, 3));
  }

  @Test
  void aPathThatIsNotHotGoesToItsPrimaryWhateverTheLoads() {
    assertEquals(0, OwnerChoice.choose(new int[] {0, 0}, 0, 3, false));
    assertEquals(0, OwnerChoice.choose(new int[] {50, 0}, 63, 3, false));
    assertEquals(0, OwnerChoice.choose(new int[] {0}, 0, 1, false));
    assertThrows(IllegalArgumentException.class,
        () -> OwnerChoice.choose(new int[0], 0, 3, true));
  }

  @Test
  void aHotPathStaysOnAPrimaryBelowTheCapacity() {
    assertEquals(0, OwnerChoice.choose(new int[] {1, 0}, 3, 3, true)); // capacity 2
    assertEquals(0, OwnerChoice.choose(new int[] {26, 10}, 63, 3, true)); // capacity 27
  }

  @Test
  void aPrimaryAtItsCapacitySendsAHotPathToTheFirstOwnerBelowIt() {
    assertEquals(1, OwnerChoice.choose(new int[] {2, 0}, 3, 3, true)); // capacity 2
    assertEquals(1, OwnerChoice.choose(new int[] {27, 0, 0}, 63, 3, true)); // capacity 27
    // 63 over 4 nodes: capacity ceil(1.25 · 64/4) = 20; the primary and the first replica hold 20.
    assertEquals(2, OwnerChoice.choose(new int[] {20, 20, 0}, 63, 4, true));
  }

  @Test
  void whenEveryOwnerIsFullTheOneWithFewestRecentReadsTakesIt() {
    // 63 over 3 nodes: capacity 27; both owners hold 27 or more.
    assertEquals(1, OwnerChoice.choose(new int[] {33, 30}, 63, 3, true));
    assertEquals(0, OwnerChoice.choose(new int[] {31, 31}, 63, 3, true)); // a tie keeps ring order
  }

  @Test
  void aFileReadOneAtATimeSpreadsEvenlyOverItsOwners() {
    // Each read ends before the next starts. The first is cold (primary); from then on the path is
    // in the window, where its two owners hold about half each and the third node none: above the
    // capacity ceil(1.25 · (w + 1) / 3), so each read goes to the owner with fewer recent reads
    // (the primary on a tie). They alternate while the window fills; after that the read leaving
    // the window can break the alternation for a read, so the owners' counts stay within two.
    NodeLoad load = new NodeLoad();
    List<Integer> repeats = new ArrayList<>(); // reads that went where the one before went
    Member previous = null;
    for (int read = 0; read < 200; read++) {
      Member chosen = readOnce(load, List.of(A, B), "p");
      if (read < NodeLoad.WINDOW) {
        assertEquals(read % 2 == 0 ? A : B, chosen, "read " + read);
      }
      if (chosen.equals(previous)) {
        repeats.add(read);
      }
      previous = chosen;
      int a = load.recent(A.location());
      int b = load.recent(B.location());
      assertTrue(Math.abs(a - b) <= 2, "after read " + read + ": A " + a + ", B " + b);
      assertEquals(Math.min(read + 1, NodeLoad.WINDOW), a + b);
    }
    assertEquals(List.of(65, 130, 195), repeats); // test_spread.py's mirror finds the same
  }

  @Test
  void aHotFileReadManyAtOnceSpreadsOverItsOwners() {
    // Eight reads of one file started one after another, none finished: what the client does.
    NodeLoad load = new NodeLoad();
    List<Member> chosen = new ArrayList<>();
    for (int read = 0; read < 8; read++) {
      chosen.add(OwnerChoice.order(List.of(A, B), "p", RING, load, true).get(0));
    }
    assertEquals(List.of(A, B, A, B, A, B, A, B), chosen);
    assertEquals(8, load.reading("p"));
  }

  @Test
  void filesReadOnceEachStayOnTheirPrimaryHoweverBusyItIs() {
    NodeLoad load = new NodeLoad();
    for (int i = 0; i < 40; i++) {
      assertEquals(A, readOnce(load, List.of(A, B), "cold-" + i));
    }
    assertEquals(40, load.recent(A.location()));
  }

  @Test
  void theOrderIsTheChosenOwnerThenTheOthersInRingOrder() {
    NodeLoad load = new NodeLoad();
    List<Member> owners = List.of(A, B, C);
    assertEquals(owners, OwnerChoice.order(owners, "p", RING, load, true)); // cold: the primary
    load.finished("p");
    readOnce(load, List.of(A), "other");
    readOnce(load, List.of(A), "other");
    // p is hot (in the window); A took all 3 reads: capacity ceil(1.25 · 4/3) = 2, so B, A, C.
    assertEquals(List.of(B, A, C), OwnerChoice.order(owners, "p", RING, load, true));
    load.finished("p");
    // q was never read: its primary, however busy.
    assertEquals(owners, OwnerChoice.order(owners, "q", RING, load, true));
    load.finished("q");
    // Spreading off: the primary, counted all the same.
    assertEquals(owners, OwnerChoice.order(owners, "p", RING, load, false));
    load.finished("p");
    assertEquals(5, load.recent(A.location()));
    assertEquals(1, load.recent(B.location()));
    assertEquals(List.of(), OwnerChoice.order(List.of(), "p", RING, load, true));
    assertEquals(6, load.recentReads(), "an empty owner list counts nothing");
  }

  @Test
  void aPathWithAReadInFlightIsHotAfterItLeftTheWindow() {
    NodeLoad load = new NodeLoad();
    OwnerChoice.order(List.of(A, B), "p", RING, load, true); // held open
    for (int i = 0; i < NodeLoad.WINDOW; i++) {
      readOnce(load, List.of(A), "other-" + i);
    }
    assertEquals(NodeLoad.WINDOW, load.recent(A.location()));
    assertTrue(load.hot("p"), "a read of p is in flight");
    // A holds the whole window: the next read of p goes to B.
    assertEquals(List.of(B, A), OwnerChoice.order(List.of(A, B), "p", RING, load, true));
    load.finished("p");
    load.finished("p");
    assertEquals(0, load.reading("p"));
    assertTrue(load.hot("p"), "its second read is in the window");
    for (int i = 0; i < NodeLoad.WINDOW; i++) {
      readOnce(load, List.of(A), "more-" + i);
    }
    assertFalse(load.hot("p"));
    // Cold again: its primary, though A holds the whole window.
    assertEquals(List.of(A, B), OwnerChoice.order(List.of(A, B), "p", RING, load, true));
    load.finished("p");
  }

  @Test
  void theWindowSlidesByReadsNotByTime() {
    NodeLoad load = new NodeLoad();
    for (int i = 0; i < NodeLoad.WINDOW; i++) {
      load.started(A.location(), "x");
      load.finished("x");
    }
    assertEquals(NodeLoad.WINDOW, load.recent(A.location()));
    for (int i = 0; i < NodeLoad.WINDOW / 4; i++) {
      load.started(B.location(), "y");
      load.finished("y");
    }
    assertEquals(NodeLoad.WINDOW * 3 / 4, load.recent(A.location()));
    assertEquals(NodeLoad.WINDOW / 4, load.recent(B.location()));
    assertEquals(NodeLoad.WINDOW, load.recentReads());
    for (int i = 0; i < NodeLoad.WINDOW; i++) {
      load.started(C.location(), "z");
      load.finished("z");
    }
    assertEquals(0, load.recent(A.location()));
    assertEquals(0, load.recent(B.location()));
    assertFalse(load.hot("x"), "x left the window");
    assertTrue(load.hot("z"));
  }

  @Test
  void theMeanCountsEveryKnownNodeNotOnlyTheOwners() {
    NodeLoad load = new NodeLoad();
    for (int i = 0; i < 3; i++) {
      readOnce(load, List.of(A, B), "p");
    }
    // p read 3 times: A, B, A. Window A 2, B 1; over 3 nodes the capacity is ceil(1.25 · 4/3) = 2.
    assertEquals(List.of(B, A), OwnerChoice.order(List.of(A, B), "p", RING, load, true));
    load.finished("p");
    // No view yet (no members): the owners are the nodes: A 2, B 2, capacity ceil(1.25 · 5/2) = 4.
    assertEquals(List.of(A, B), OwnerChoice.order(List.of(A, B), "p", List.of(), load, true));
    load.finished("p");
  }

  @Test
  void readsStartingTogetherAreChosenOneAtATime() throws Exception {
    // Eight threads start a read of one path at the same moment: each choice sees the ones before
    // it counted, so the split is the sequential one, 4 and 4, whatever the interleaving.
    NodeLoad load = new NodeLoad();
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Member>> reads = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        reads.add(threads.submit(() -> {
          go.await();
          return OwnerChoice.order(List.of(A, B), "p", RING, load, true).get(0);
        }));
      }
      go.countDown();
      List<Member> chosen = new ArrayList<>();
      for (Future<Member> read : reads) {
        chosen.add(read.get(30, TimeUnit.SECONDS));
      }
      assertEquals(4, Collections.frequency(chosen, A), chosen.toString());
      assertEquals(4, Collections.frequency(chosen, B), chosen.toString());
    } finally {
      threads.shutdownNow();
    }
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
            load.finished("p");
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
    assertEquals(0, load.reading("p"));
    assertEquals(40_000, load.reading("q"));
    assertEquals(NodeLoad.WINDOW, load.recentReads());
    assertEquals(NodeLoad.WINDOW, load.recent(A.location()) + load.recent(B.location()));
  }
}
