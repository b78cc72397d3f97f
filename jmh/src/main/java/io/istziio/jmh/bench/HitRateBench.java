package io.istziio.jmh.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * Hit rate, closed loop: DoGets per second of files a server already holds, from one client
 * process with INFLIGHT DoGets always outstanding (INFLIGHT threads over one Flight channel, each
 * issuing its next DoGet when the last is drained). Plain Flight calls, the ticket sent straight to
 * LOCATION: run once against an istziio node (a node that is not a file's owner serves and caches it
 * all the same) and once against the Arrow C++ peer, with the same arguments.
 *
 * <p>Before the clock: two passes over every file (the first warms the server's cache; the second
 * records rows, bytes and a digest of the values, so that the report can check that both servers
 * answered the same data), then a warm-up of WARMUP seconds at full load (JIT, connection windows).
 *
 * <pre>HitRateBench LABEL LOCATION SECONDS INFLIGHT [--columns A,B] [--warmup S] PATH...</pre>
 */
public final class HitRateBench {

  public static void main(String[] args) throws Exception {
    if (args.length < 5) {
      System.err.println("usage: HitRateBench LABEL LOCATION SECONDS INFLIGHT [--columns A,B] [--warmup S] PATH...");
      System.exit(2);
    }
    String label = args[0];
    Location location = new Location(args[1]);
    double seconds = Double.parseDouble(args[2]);
    int inflight = Integer.parseInt(args[3]);
    List<String> columns = null;
    double warmup = 1;
    List<String> paths = new ArrayList<>();
    for (int i = 4; i < args.length; i++) {
      switch (args[i]) {
        case "--columns" -> columns = Arrays.asList(args[++i].split(","));
        case "--warmup" -> warmup = Double.parseDouble(args[++i]);
        default -> paths.add(args[i]);
      }
    }
    List<Ticket> tickets = new ArrayList<>();
    for (String path : paths) {
      tickets.add(PlainFlight.ticket(path, columns));
    }
    try (BufferAllocator allocator = new RootAllocator();
        FlightClient client = FlightClient.builder(allocator, location).build()) {
      for (Ticket ticket : tickets) {
        PlainFlight.get(client, ticket, false);
      }
      long rows = 0;
      long bytes = 0;
      long digest = 17;
      for (Ticket ticket : tickets) {
        PlainFlight.Answer answer = PlainFlight.get(client, ticket, true);
        rows += answer.rows();
        bytes += answer.bytes();
        digest = digest * 31 + answer.digest();
      }
      load(client, tickets, inflight, warmup); // discarded
      Load measured = load(client, tickets, inflight, seconds);
      new Results().put("benchmark", "hit rate").put("target", label).put("location", args[1])
          .put("files", tickets.size()).put("inflight", inflight)
          .put("columns", columns == null ? "all" : String.join(",", columns))
          .put("seconds", StreamingBench.round(measured.seconds)).put("requests", measured.done)
          .put("failed", measured.failed)
          .put("requests_per_s", Math.round(measured.done / measured.seconds))
          .put("rows_per_pass", rows).put("arrow_bytes_per_pass", bytes)
          .put("digest", Long.toHexString(digest))
          .put("first_error", measured.firstError == null ? "" : measured.firstError).print();
    }
  }

  private record Load(long done, long failed, double seconds, String firstError) {}

  /** INFLIGHT threads, each DoGet after DoGet over the files (staggered) until the time is up. */
  private static Load load(FlightClient client, List<Ticket> tickets, int inflight, double seconds)
      throws InterruptedException {
    AtomicLong done = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicReference<String> firstError = new AtomicReference<>();
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < inflight; t++) {
      int offset = t * Math.max(1, tickets.size() / inflight);
      Thread worker = new Thread(() -> {
        for (int i = offset; System.nanoTime() < end; i++) {
          try {
            PlainFlight.get(client, tickets.get(i % tickets.size()), false);
            done.incrementAndGet();
          } catch (Exception e) {
            failed.incrementAndGet();
            firstError.compareAndSet(null, String.valueOf(e.getMessage()));
          }
        }
      }, "hit-rate-" + t);
      worker.start();
      workers.add(worker);
    }
    for (Thread worker : workers) {
      worker.join();
    }
    return new Load(done.get(), failed.get(), (System.nanoTime() - start) / 1e9, firstError.get());
  }
}
