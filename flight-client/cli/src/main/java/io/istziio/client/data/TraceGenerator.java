package io.istziio.client.data;

import java.io.IOException;
import java.io.Writer;
import java.util.BitSet;
import java.util.SplittableRandom;

/**
 * Request traces in ISTZIO's format: CSV with the header {@code timestamp,file_index}, the
 * timestamp being the request's arrival in whole milliseconds after the start, rows sorted by it.
 * The same spec and seed always give the same trace.
 */
public final class TraceGenerator {

  /** How requests pick their files. */
  public enum Pattern {
    /** Each request draws its file from a Zipf popularity (file 0 the most popular). */
    RANDOM,
    /** Each file in turn, twice in a row: 0, 0, 1, 1, 2, 2...; wraps around after the last. */
    SERIAL
  }

  /**
   * What to generate.
   *
   * @param pattern how files are picked
   * @param files distinct files, indices 0..files-1
   * @param requests requests in the trace
   * @param zipf the popularity exponent (RANDOM only); 0 for uniform
   * @param gapMs the gap between arrivals (between bursts when {@code burst > 1}), or its mean
   *     when {@code poisson}
   * @param poisson exponential gaps (Poisson arrivals) instead of fixed ones
   * @param burst requests that arrive together, with the same timestamp
   * @param seed the random seed
   */
  public record Spec(Pattern pattern, int files, long requests, double zipf, double gapMs,
      boolean poisson, int burst, long seed) {

    public Spec {
      if (files < 1 || requests < 0 || burst < 1 || !(gapMs >= 0) || !(zipf >= 0)) {
        throw new IllegalArgumentException("invalid trace spec: " + this);
      }
    }
  }

  /** Receives the requests in timestamp order. */
  @FunctionalInterface
  public interface Sink {
    void request(long timestampMs, int fileIndex) throws IOException;
  }

  private TraceGenerator() {}

  /** Produces the trace's requests in order, without holding them. */
  public static void generate(Spec spec, Sink sink) throws IOException {
    // Separate streams: the files drawn for a seed stay the same whatever the timing flags.
    SplittableRandom files = new SplittableRandom(spec.seed());
    SplittableRandom gaps = new SplittableRandom(~spec.seed());
    ZipfSampler popularity = spec.pattern() == Pattern.RANDOM
        ? new ZipfSampler(spec.files(), spec.zipf()) : null;
    double time = 0;
    for (long k = 0; k < spec.requests(); k++) {
      if (k > 0 && k % spec.burst() == 0) {
        time += spec.poisson() ? -spec.gapMs() * Math.log(1 - gaps.nextDouble()) : spec.gapMs();
      }
      int file = popularity != null
          ? popularity.sample(files.nextDouble())
          : (int) ((k / 2) % spec.files());
      sink.request(Math.round(time), file);
    }
  }

  /**
   * What a generated trace holds.
   *
   * @param requests requests written
   * @param durationMs the last request's timestamp
   * @param distinctFiles files requested at least once
   */
  public record Summary(long requests, long durationMs, int distinctFiles) {}

  /** Writes the trace as CSV. */
  public static Summary writeCsv(Spec spec, Writer out) throws IOException {
    out.write("timestamp,file_index\n");
    BitSet seen = new BitSet(spec.files());
    long[] counts = new long[2]; // requests, last timestamp
    generate(spec, (timestamp, file) -> {
      out.write(Long.toString(timestamp));
      out.write(',');
      out.write(Integer.toString(file));
      out.write('\n');
      seen.set(file);
      counts[0]++;
      counts[1] = timestamp;
    });
    return new Summary(counts[0], counts[1], seen.cardinality());
  }
}
