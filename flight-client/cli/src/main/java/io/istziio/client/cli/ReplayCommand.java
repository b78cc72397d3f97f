package io.istziio.client.cli;

import io.istziio.client.replay.ClusterSource;
import io.istziio.client.replay.DirectSource;
import io.istziio.client.replay.Manifest;
import io.istziio.client.replay.RecordWriter;
import io.istziio.client.replay.Replayer;
import io.istziio.client.replay.RequestRecord;
import io.istziio.client.replay.Source;
import io.istziio.client.replay.Summary;
import io.istziio.client.replay.Trace;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Replays an access trace against the cluster, the object store directly, or both. */
@Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Replays an ISTZIO-format trace (CSV: timestamp,file_index) open-loop: each "
        + "request starts at its arrival time, whatever earlier ones are doing. Prints latency per "
        + "component (count, mean, p50, p90, p99, max), the hit ratio and throughput.",
        "Exit code 1 if any request failed."})
final class ReplayCommand implements Callable<Integer> {

  @Parameters(paramLabel = "TRACE", description = "The trace file.")
  Path trace;

  @Option(names = "--manifest", required = true, paramLabel = "FILE",
      description = "Maps file indices to paths: JSON [{\"index\", \"path\", \"columns\", "
          + "\"filter\"}] or one path a line.")
  Path manifest;

  @Mixin ClusterOptions cluster;

  @Mixin SpreadOption spread;

  @Mixin S3Options s3;

  @Option(names = "--baseline", paramLabel = "direct",
      description = "Replay against the baseline instead of istziio: 'direct' reads each object "
          + "whole from the store and decodes it in the client with Arrow Dataset (no cache).")
  String baseline;

  @Option(names = "--compare",
      description = "Replay against istziio and the direct baseline, one after the other (see "
          + "--first), and print the ratio table.")
  boolean compare;

  @Option(names = "--first", defaultValue = "istziio", paramLabel = "istziio|direct",
      description = "With --compare, which system replays first. A benchmark of several traces "
          + "should alternate it, so that neither system always runs on a machine the other has "
          + "just warmed (page cache, JIT, S3 server). Default: ${DEFAULT-VALUE}.")
  String first;

  @Option(names = "--warmup", defaultValue = "0", paramLabel = "N",
      description = "Run the first N requests of the trace as a warm-up before the clock starts, "
          + "for each system: unscheduled (as fast as --concurrency readers take them), left out "
          + "of the figures and --out, but they count as first touches of their files; the rest "
          + "arrive on the trace's schedule from then on, so a cold client leaves no backlog. "
          + "Default: ${DEFAULT-VALUE}.")
  int warmup;

  @Option(names = "--concurrency", defaultValue = "16",
      description = "Requests that may run at once. Default: ${DEFAULT-VALUE}.")
  int concurrency;

  @Option(names = "--speed", defaultValue = "1",
      description = "Replay this many times faster than recorded. Default: ${DEFAULT-VALUE}.")
  double speed;

  @Option(names = "--columns", split = ",", description = "Read only these columns (overrides the manifest).")
  List<String> columns;

  @Option(names = "--filter", description = "Apply this filter to every request (overrides the manifest).")
  String filter;

  @Option(names = "--out", paramLabel = "FILE",
      description = "Write every request to FILE (.csv or .json); with --compare, the baseline's go "
          + "to FILE with -direct before the extension.")
  Path out;

  @Option(names = "--no-progress", description = "No progress bar, even on a terminal.")
  boolean noProgress;

  @Override
  public Integer call() throws Exception {
    if (baseline != null && !baseline.equals("direct")) {
      throw new IllegalArgumentException("--baseline takes 'direct', not '" + baseline + "'");
    }
    if (concurrency < 1 || speed <= 0) {
      throw new IllegalArgumentException("--concurrency must be at least 1 and --speed positive");
    }
    if (!first.equals("istziio") && !first.equals("direct")) {
      throw new IllegalArgumentException("--first takes istziio or direct, not '" + first + "'");
    }
    if (warmup < 0) {
      throw new IllegalArgumentException("--warmup must not be negative");
    }
    Trace requests = Trace.read(trace);
    if (warmup >= requests.requests().size()) {
      throw new IllegalArgumentException("--warmup " + warmup + " leaves none of the trace's "
          + requests.requests().size() + " requests to measure");
    }
    Manifest files = Manifest.read(manifest).override(columns, filter);
    files.check(requests);
    boolean direct = baseline != null || compare;
    if (direct && (filter != null || hasFilters(files, requests))) { // before any request runs
      throw new IllegalArgumentException("the direct baseline does not evaluate filters; "
          + "replay without --filter (or filters in the manifest) to compare");
    }
    RecordWriter.checkFormat(out);
    PrintStream progress = !noProgress && System.console() != null ? System.err : null;
    Replayer replayer = new Replayer(requests, files, concurrency, speed, progress);

    Summary cache = null;
    Summary plain = null;
    boolean directFirst = compare && first.equals("direct");
    if (directFirst) {
      plain = run(replayer, new DirectSource(s3.client()), suffixed(out), warmup, speed);
    }
    if (baseline == null || compare) {
      cache = run(replayer, new ClusterSource(spread.apply(cluster.connect())), out, warmup, speed);
    }
    if (direct && !directFirst) {
      plain = run(replayer, new DirectSource(s3.client()), compare ? suffixed(out) : out, warmup, speed);
    }
    List<Summary> summaries = new ArrayList<>();
    if (compare) {
      System.out.println("order: " + (directFirst ? "direct, then istziio" : "istziio, then direct")
          + (warmup > 0 ? "; the first " + warmup + " requests of each left out as a warm-up" : ""));
    }
    if (cache != null) {
      summaries.add(cache);
    }
    if (plain != null) {
      summaries.add(plain);
    }
    boolean failures = false;
    for (Summary summary : summaries) {
      summary.print(System.out);
      System.out.println();
      failures |= summary.failed() > 0;
    }
    if (cache != null && plain != null) {
      Summary.printComparison(cache, plain, System.out);
    }
    return failures ? 1 : 0;
  }

  private static boolean hasFilters(Manifest files, Trace trace) {
    return trace.requests().stream().anyMatch(r -> files.ticket(r.fileIndex()).filter() != null);
  }

  private static Summary run(Replayer replayer, Source source, Path out, int warmup, double speed)
      throws Exception {
    try (source) {
      long start = System.nanoTime();
      List<RequestRecord> records = replayer.run(source, warmup);
      long wall = System.nanoTime() - start;
      if (warmup > 0) {
        records = records.subList(warmup, records.size());
        // From the first measured request's arrival to the last one's end.
        long from = (long) (records.get(0).scheduledMillis() * 1e6 / speed);
        wall = records.stream()
            .mapToLong(r -> (long) (r.scheduledMillis() * 1e6 / speed) + r.totalNanos())
            .max().orElse(from) - from;
      }
      if (out != null) {
        RecordWriter.write(out, records);
      }
      return new Summary(source.mode(), records, Math.max(1, wall), warmup);
    }
  }

  private static Path suffixed(Path file) {
    if (file == null) {
      return null;
    }
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String changed = dot < 0 ? name + "-direct" : name.substring(0, dot) + "-direct" + name.substring(dot);
    return file.resolveSibling(changed);
  }
}
