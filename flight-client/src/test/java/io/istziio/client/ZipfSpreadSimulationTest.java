package io.istziio.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.ring.Member;
import io.istziio.ring.RingView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The rule against the benchmark's workload, without a cluster: {@code scripts/spread-bench}'s
 * shape (Zipf s = 1.2 over 20 files, 3 nodes, 2 owners per path by the real ring) simulated with a
 * fixed seed, so the figure is the rule's own, free of a loaded machine's timing. Each read is
 * placed by {@link OwnerChoice#order} and counted at its node, as a node counts DoGets.
 */
class ZipfSpreadSimulationTest {

  private static final int FILES = 20;
  private static final int READS = 1_000;
  private static final double ZIPF = 1.2;
  private static final long SEED = 42;
  private static final List<Member> RING = List.of(
      new Member("n1", "grpc+tcp://127.0.0.1:1", 1),
      new Member("n2", "grpc+tcp://127.0.0.1:2", 1),
      new Member("n3", "grpc+tcp://127.0.0.1:3", 1));

  /**
   * File indices drawn with probability proportional to 1/(k+1)^s (gen-trace's popularity) by
   * inverting the cumulative weights at uniform numbers from SplitMix64, a generator simple enough
   * that {@code scripts/python/test_spread.py} draws the same trace.
   */
  private static int[] zipfTrace(long seed) {
    double[] cumulative = new double[FILES];
    double sum = 0;
    for (int k = 0; k < FILES; k++) {
      sum += 1 / Math.pow(k + 1, ZIPF);
      cumulative[k] = sum;
    }
    long state = seed;
    int[] trace = new int[READS];
    for (int i = 0; i < READS; i++) {
      state += 0x9E3779B97F4A7C15L;
      long z = state;
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      z ^= z >>> 31;
      double uniform = (z >>> 11) * 0x1.0p-53; // [0, 1)
      int k = 0;
      while (k < FILES - 1 && cumulative[k] <= uniform * sum) {
        k++;
      }
      trace[i] = k;
    }
    return trace;
  }

  /** The outcome of one replay: requests per node and the paths each node was asked for. */
  private record Replay(Map<String, Integer> requests, Map<String, Set<String>> pathsAt) {
    double busiestOverMean() {
      int busiest = requests.values().stream().mapToInt(Integer::intValue).max().orElse(0);
      return busiest / ((double) READS / RING.size());
    }

    /** Paths asked of more than one node: each is cached on each of them. */
    int duplicated() {
      Map<String, Integer> holders = new HashMap<>();
      pathsAt.values().forEach(paths -> paths.forEach(p -> holders.merge(p, 1, Integer::sum)));
      return (int) holders.values().stream().filter(n -> n > 1).count();
    }

    String describe() {
      StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "%.2fx (", busiestOverMean()));
      RING.forEach(m -> text.append(m.id()).append(' ')
          .append(requests.getOrDefault(m.location(), 0)).append(", "));
      return text.append(duplicated()).append(" of ").append(FILES)
          .append(" files asked of two nodes)").toString();
    }
  }

  /**
   * Replays {@code trace} over the files under {@code prefix} with {@code inFlight} reads open at
   * once (each read ends when the one {@code inFlight} later starts; 1: one at a time).
   */
  private static Replay replay(int[] trace, String prefix, boolean spread, int inFlight) {
    RingView view = RingView.of(1, RING);
    NodeLoad load = new NodeLoad();
    Map<String, Integer> requests = new HashMap<>();
    Map<String, Set<String>> pathsAt = new HashMap<>();
    List<String> open = new ArrayList<>();
    for (int file : trace) {
      String path = prefix + String.format(Locale.ROOT, "%05d.parquet", file);
      Member first = OwnerChoice.order(view.owners(path, 2), path, RING, load, spread).get(0);
      requests.merge(first.location(), 1, Integer::sum);
      pathsAt.computeIfAbsent(first.location(), l -> new HashSet<>()).add(path);
      open.add(path);
      if (open.size() >= inFlight) {
        load.finished(open.remove(0));
      }
    }
    open.forEach(load::finished);
    assertEquals(0, open.stream().mapToInt(load::reading).sum());
    return new Replay(requests, pathsAt);
  }

  private static List<Integer> counts(Replay replay) {
    return RING.stream().map(m -> replay.requests().getOrDefault(m.location(), 0)).toList();
  }

  @Test
  void aZipfTraceSpreadsToWithinOnePointThreeOfTheMean() {
    int[] trace = zipfTrace(SEED);
    String prefix = "s3://data/spread/measured/";
    for (int inFlight : new int[] {1, 32}) {
      Replay off = replay(trace, prefix, false, inFlight);
      Replay on = replay(trace, prefix, true, inFlight);
      System.out.printf(Locale.ROOT, "Zipf %.1f, %d reads of %d files, 3 nodes, %d in flight: "
          + "spreading off %s, on %s%n", ZIPF, READS, FILES, inFlight, off.describe(),
          on.describe());
      assertEquals(READS, on.requests().values().stream().mapToInt(Integer::intValue).sum());
      // The exact counts, which test_spread.py's mirror of the rule reproduces from this placement.
      assertEquals(List.of(596, 153, 251), counts(off));
      assertEquals(List.of(421, 222, 357), counts(on));
      assertTrue(on.busiestOverMean() <= 1.3, "busiest over mean, spreading on: " + on.describe());
      assertTrue(off.busiestOverMean() > on.busiestOverMean(),
          "off " + off.describe() + ", on " + on.describe());
    }
  }

  @Test
  void acrossPlacementsTheRuleStaysNearTheBound() {
    // One trace, 100 placements (each prefix hashes the files elsewhere): the spread of the
    // figure over placements, which the benchmark's one run per placement cannot show.
    int[] trace = zipfTrace(SEED);
    double[] off = new double[100];
    double[] on = new double[100];
    for (int p = 0; p < on.length; p++) {
      String prefix = "s3://data/spread-" + p + "/measured/";
      off[p] = replay(trace, prefix, false, 1).busiestOverMean();
      on[p] = replay(trace, prefix, true, 1).busiestOverMean();
    }
    Arrays.sort(off);
    Arrays.sort(on);
    System.out.printf(Locale.ROOT, "100 placements, busiest over mean: spreading off median %.2f, "
        + "worst %.2f; on median %.2f, 90th %.2f, worst %.2f%n", off[50], off[99], on[50], on[90],
        on[99]);
    assertTrue(on[50] <= 1.3, "median with spreading on: " + on[50]);
    assertTrue(on[50] < off[50], "median on " + on[50] + ", off " + off[50]);
  }
}
