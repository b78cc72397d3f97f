package io.istziio.client.cli;

import io.istziio.client.data.TraceGenerator;
import io.istziio.client.data.TraceGenerator.Pattern;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** Writes a request trace for the replayer. */
@Command(name = "gen-trace", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Writes a request trace in ISTZIO's format: CSV with the header timestamp,file_index; "
            + "timestamp is the request's arrival in ms after the start (rows sorted by it), "
            + "file_index a file's index in the dataset's manifest.json (see gen-data).",
        "",
        "A --workload sets the defaults of the other flags; flags given override them:",
        "  1MB       many requests over small files, Zipf popularity:",
        "            --files 100 --requests 5000 --zipf 1 --gap-ms 5 --poisson",
        "  100MB     fewer requests over large files, Zipf popularity:",
        "            --files 10 --requests 200 --zipf 1 --gap-ms 500 --poisson",
        "  parallel  bursts of requests with the same timestamp, --gap-ms apart:",
        "            --files 100 --requests 1600 --burst 16 --zipf 1 --gap-ms 1000",
        "  serial    each file twice in turn, --gap-ms apart (file 0 at 0 and",
        "            1000 ms, file 1 at 2000 and 3000 ms...): --files 100",
        "            --gap-ms 1000; --requests defaults to 2 x --files",
        "  (none)    --files 100 --requests 1000 --zipf 1 --gap-ms 10",
        ""})
final class GenTraceCommand implements Callable<Integer> {

  /** The presets; null fields are left to the general defaults. */
  enum Workload {
    MB1("1MB", Pattern.RANDOM, 100, 5_000L, 1.0, 5, true, 1),
    MB100("100MB", Pattern.RANDOM, 10, 200L, 1.0, 500, true, 1),
    PARALLEL("parallel", Pattern.RANDOM, 100, 1_600L, 1.0, 1_000, false, 16),
    SERIAL("serial", Pattern.SERIAL, 100, null, 0.0, 1_000, false, 1),
    NONE("none", Pattern.RANDOM, 100, 1_000L, 1.0, 10, false, 1);

    final String label;
    final Pattern pattern;
    final int files;
    final Long requests; // null: two per file
    final double zipf;
    final double gapMs;
    final boolean poisson;
    final int burst;

    Workload(String label, Pattern pattern, int files, Long requests, double zipf, double gapMs,
        boolean poisson, int burst) {
      this.label = label;
      this.pattern = pattern;
      this.files = files;
      this.requests = requests;
      this.zipf = zipf;
      this.gapMs = gapMs;
      this.poisson = poisson;
      this.burst = burst;
    }
  }

  static final class WorkloadConverter implements ITypeConverter<Workload> {
    @Override
    public Workload convert(String value) {
      for (Workload workload : Workload.values()) {
        if (workload != Workload.NONE && workload.label.equalsIgnoreCase(value)) {
          return workload;
        }
      }
      throw new TypeConversionException("unknown workload \"" + value
          + "\"; use 1MB, 100MB, parallel or serial");
    }
  }

  @Spec CommandSpec spec;

  @Option(names = "--out", required = true, paramLabel = "FILE",
      description = "The trace file to write (CSV).")
  Path out;

  @Option(names = "--workload", paramLabel = "NAME", converter = WorkloadConverter.class,
      description = "1MB, 100MB, parallel or serial: the defaults of the flags below (see above).")
  Workload workload;

  @Option(names = "--files", paramLabel = "N",
      description = "Distinct files, indices 0..N-1 (match gen-data's --files).")
  Integer files;

  @Option(names = "--requests", paramLabel = "N", description = "Requests in the trace.")
  Long requests;

  @Option(names = "--zipf", paramLabel = "S",
      description = "Popularity exponent: file k is drawn with probability proportional to "
          + "1/(k+1)^S, so file 0 is the most popular; 0 is uniform. Not used by serial.")
  Double zipf;

  @Option(names = "--gap-ms", paramLabel = "MS",
      description = "Time between arrivals (between bursts with --burst), in ms; the mean gap "
          + "with --poisson.")
  Double gapMs;

  @Option(names = "--poisson", negatable = true,
      description = "Exponential gaps (Poisson arrivals) of mean --gap-ms instead of fixed ones.")
  Boolean poisson;

  @Option(names = "--burst", paramLabel = "N",
      description = "Requests that arrive together, with the same timestamp.")
  Integer burst;

  @Option(names = "--seed", defaultValue = "42", paramLabel = "N",
      description = "Random seed; the same flags and seed give the same trace. "
          + "Default: ${DEFAULT-VALUE}.")
  long seed;

  @Override
  public Integer call() throws Exception {
    Workload preset = workload != null ? workload : Workload.NONE;
    int fileCount = files != null ? files : preset.files;
    require(fileCount >= 1, "--files must be at least 1, got " + fileCount);
    long requestCount = requests != null ? requests
        : preset.requests != null ? preset.requests : 2L * fileCount;
    require(requestCount >= 1, "--requests must be at least 1, got " + requestCount);
    double exponent = zipf != null ? zipf : preset.zipf;
    require(exponent >= 0 && Double.isFinite(exponent),
        "--zipf must be a number >= 0, got " + exponent);
    double gap = gapMs != null ? gapMs : preset.gapMs;
    require(gap >= 0 && Double.isFinite(gap), "--gap-ms must be a number >= 0, got " + gap);
    int burstSize = burst != null ? burst : preset.burst;
    require(burstSize >= 1, "--burst must be at least 1, got " + burstSize);
    TraceGenerator.Spec trace = new TraceGenerator.Spec(preset.pattern, fileCount, requestCount,
        exponent, gap, poisson != null ? poisson : preset.poisson, burstSize, seed);

    Path parent = out.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    TraceGenerator.Summary summary;
    try (Writer writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
      summary = TraceGenerator.writeCsv(trace, writer);
    }
    System.out.printf(Locale.ROOT, "%s: %,d requests for %,d of %,d files over %,d ms (%s: %s)%n",
        out, summary.requests(), summary.distinctFiles(), fileCount, summary.durationMs(),
        preset == Workload.NONE ? "no workload" : "workload " + preset.label, describe(trace));
    return 0;
  }

  private static String describe(TraceGenerator.Spec trace) {
    String files = trace.pattern() == Pattern.SERIAL ? "each file twice"
        : trace.zipf() == 0 ? "uniform" : "zipf " + number(trace.zipf());
    return String.format(Locale.ROOT, "%s, %s gap %s ms%s, seed %d", files,
        trace.poisson() ? "mean" : "fixed", number(trace.gapMs()),
        trace.burst() > 1 ? ", bursts of " + trace.burst() : "", trace.seed());
  }

  private static String number(double value) {
    return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }

  private void require(boolean condition, String message) {
    if (!condition) {
      throw new ParameterException(spec.commandLine(), message);
    }
  }
}
