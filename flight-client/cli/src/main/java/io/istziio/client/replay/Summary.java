package io.istziio.client.replay;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import org.HdrHistogram.Histogram;

/** The report of one replay: latency distributions per component (HdrHistogram), hits, throughput. */
public final class Summary {

  /** A request that started this much after its arrival counts as the replay falling behind. */
  private static final long BEHIND_NANOS = 10_000_000;

  /** A latency distribution, in nanoseconds, of the requests that have the component. */
  public record Distribution(long count, double meanMs, double p50Ms, double p90Ms, double p99Ms,
      double maxMs) {

    static Distribution of(List<RequestRecord> records, ToLongFunction<RequestRecord> component) {
      Histogram histogram = new Histogram(3);
      for (RequestRecord record : records) {
        long value = component.applyAsLong(record);
        if (value >= 0) {
          histogram.recordValue(value);
        }
      }
      long count = histogram.getTotalCount();
      if (count == 0) {
        return new Distribution(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
      }
      return new Distribution(count, histogram.getMean() / 1e6,
          histogram.getValueAtPercentile(50) / 1e6, histogram.getValueAtPercentile(90) / 1e6,
          histogram.getValueAtPercentile(99) / 1e6, histogram.getMaxValue() / 1e6);
    }
  }

  private final String mode;
  private final List<RequestRecord> records;
  private final List<RequestRecord> succeeded;
  private final long wallNanos;
  private final int warmup;

  public Summary(String mode, List<RequestRecord> records, long wallNanos) {
    this(mode, records, wallNanos, 0);
  }

  /** @param warmup how many requests ran before these as a warm-up and are left out */
  public Summary(String mode, List<RequestRecord> records, long wallNanos, int warmup) {
    this.mode = mode;
    this.records = records;
    this.succeeded = records.stream().filter(r -> !r.failed()).toList();
    this.wallNanos = wallNanos;
    this.warmup = warmup;
  }

  /** Requests that started over 10 ms after their arrival: the replay could not keep up. */
  public long behind() {
    return records.stream().filter(r -> r.startLagNanos() > BEHIND_NANOS).count();
  }

  public Distribution startLag() {
    return Distribution.of(records, RequestRecord::startLagNanos);
  }

  public String mode() {
    return mode;
  }

  public long requests() {
    return records.size();
  }

  public long failed() {
    return records.size() - succeeded.size();
  }

  public long count(String cache) {
    return succeeded.stream().filter(r -> cache.equals(r.cache())).count();
  }

  public Distribution total() {
    return Distribution.of(succeeded, RequestRecord::totalNanos);
  }

  public Distribution total(boolean cold) {
    return Distribution.of(only(r -> r.cold() == cold), RequestRecord::totalNanos);
  }

  private List<RequestRecord> only(Predicate<RequestRecord> which) {
    return succeeded.stream().filter(which).toList();
  }

  public void print(PrintStream out) {
    long bytes = succeeded.stream().mapToLong(RequestRecord::bytes).sum();
    double seconds = wallNanos / 1e9;
    out.printf(Locale.ROOT, "%s: %d requests, %d failed, in %.1f s (%.1f requests/s, %.1f MB/s)%s%n",
        mode, requests(), failed(), seconds, requests() / seconds, bytes / 1e6 / seconds,
        warmup > 0 ? " after " + warmup + " warm-up requests left out" : "");
    if (mode.equals("istziio")) {
      long hits = count("hit");
      long withOutcome = hits + count("miss") + count("bypass");
      out.printf(Locale.ROOT, "cache: %d hits, %d misses, %d bypasses (hit ratio %.1f%%)%n", hits,
          count("miss"), count("bypass"), withOutcome == 0 ? 0 : 100.0 * hits / withOutcome);
      printServedBy(out);
    }
    long behind = behind();
    Distribution lag = startLag();
    out.printf(Locale.ROOT, behind == 0 ? "kept up with the trace (max start lag %.1f ms)%n"
        : "FELL BEHIND: %2$d requests started over 10 ms late (max start lag %1$.1f ms); "
            + "raise --concurrency%n", lag.maxMs(), behind);
    out.printf(Locale.ROOT, "%-16s %7s %9s %9s %9s %9s %9s%n", "(ms)", "count", "mean", "p50",
        "p90", "p99", "max");
    row(out, "total", total());
    row(out, "  cold", total(true));
    row(out, "  warm", total(false));
    row(out, "routing", Distribution.of(succeeded, RequestRecord::routingNanos));
    row(out, "first batch", Distribution.of(succeeded, RequestRecord::firstBatchNanos));
    row(out, "transfer", Distribution.of(succeeded, RequestRecord::transferNanos));
    row(out, mode.equals("direct") ? "fetch" : "node fetch", Distribution.of(succeeded, RequestRecord::nodeFetchNanos));
    row(out, mode.equals("direct") ? "decode" : "node scan", Distribution.of(succeeded, RequestRecord::nodeScanNanos));
    row(out, "start lag", lag);
    records.stream().filter(RequestRecord::failed).limit(3).forEach(r ->
        out.printf("failed: request %d (file %d, %s): %s%n", r.sequence(), r.fileIndex(), r.path(), r.error()));
  }

  /**
   * "served by: n1 210 (35.0%), n2 ...; busiest 1.05x the mean": requests per node that finished
   * them, and the busiest node's count over the mean of the nodes listed.
   */
  private void printServedBy(PrintStream out) {
    java.util.Map<String, Long> perNode = new java.util.TreeMap<>();
    succeeded.forEach(r -> perNode.merge(r.servedBy() == null ? "?" : r.servedBy(), 1L, Long::sum));
    if (perNode.isEmpty()) {
      return;
    }
    long total = succeeded.size();
    StringBuilder line = new StringBuilder("served by:");
    perNode.forEach((node, count) -> line.append(String.format(Locale.ROOT, " %s %d (%.1f%%),",
        node, count, 100.0 * count / total)));
    line.setLength(line.length() - 1);
    long busiest = perNode.values().stream().mapToLong(Long::longValue).max().orElse(0);
    out.printf(Locale.ROOT, "%s; busiest %.2fx the mean%n", line,
        busiest / ((double) total / perNode.size()));
  }

  private static void row(PrintStream out, String name, Distribution d) {
    out.printf(Locale.ROOT, "%-16s %7d %9.2f %9.2f %9.2f %9.2f %9.2f%n", name, d.count(), d.meanMs(),
        d.p50Ms(), d.p90Ms(), d.p99Ms(), d.maxMs());
  }

  /** The ratio table of a baseline against istziio: how many times slower the baseline is. */
  public static void printComparison(Summary cache, Summary baseline, PrintStream out) {
    out.printf(Locale.ROOT, "%n%-12s %12s %12s %8s   %12s %12s %8s%n", "total (ms)", "istziio mean",
        "direct mean", "ratio", "istziio p99", "direct p99", "ratio");
    compare(out, "all", cache.total(), baseline.total());
    compare(out, "cold", cache.total(true), baseline.total(true));
    compare(out, "warm", cache.total(false), baseline.total(false));
    out.println("(ratio = direct / istziio: how many times faster istziio was)");
    for (Summary summary : List.of(cache, baseline)) {
      out.printf(Locale.ROOT, "%-8s start lag p99 %.1f ms, max %.1f ms; %s%n", summary.mode(),
          summary.startLag().p99Ms(), summary.startLag().maxMs(), summary.behind() == 0
              ? "kept up with the trace" : "FELL BEHIND: " + summary.behind()
                  + " requests started over 10 ms late");
    }
  }

  private static void compare(PrintStream out, String name, Distribution a, Distribution b) {
    out.printf(Locale.ROOT, "%-12s %12.2f %12.2f %7.1fx   %12.2f %12.2f %7.1fx%n", name, a.meanMs(),
        b.meanMs(), b.meanMs() / a.meanMs(), a.p99Ms(), b.p99Ms(), b.p99Ms() / a.p99Ms());
  }
}
