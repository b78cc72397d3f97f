package io.istziio.client.replay;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Replays a trace open-loop: each request starts at its arrival time whether or not earlier ones
 * have finished, on a pool of at most {@code concurrency} readers. When every reader is busy a
 * request waits, and its start lag (how late it started) is recorded, so a replay that fell behind
 * says so instead of quietly turning into a closed loop.
 *
 * <p>A warm-up (the first requests of the trace) runs before the clock starts, as fast as the
 * readers take it: a client and servers that start cold then leave no backlog to the measured
 * requests, whose arrival times count from the first of them.
 */
public final class Replayer {

  private final Trace trace;
  private final Manifest manifest;
  private final int concurrency;
  private final double speed;
  private final PrintStream progress;

  /**
   * @param speed how much faster than recorded to replay (2 = half the gaps)
   * @param progress where to draw a progress bar, or null for none
   */
  public Replayer(Trace trace, Manifest manifest, int concurrency, double speed, PrintStream progress) {
    this.trace = trace;
    this.manifest = manifest;
    this.concurrency = concurrency;
    this.speed = speed;
    this.progress = progress;
  }

  /** Runs the whole trace against {@code source}; returns the records in trace order. */
  public List<RequestRecord> run(Source source) throws InterruptedException {
    return run(source, 0);
  }

  /**
   * Runs the first {@code warmup} requests of the trace unscheduled, waits for them, then the rest
   * on the trace's schedule from then on; returns every record, warm-up included, in trace order.
   */
  public List<RequestRecord> run(Source source, int warmup) throws InterruptedException {
    List<Trace.Request> requests = trace.requests();
    ConcurrentLinkedQueue<RequestRecord> records = new ConcurrentLinkedQueue<>();
    CountDownLatch done = new CountDownLatch(requests.size());
    AtomicInteger finished = new AtomicInteger();
    Set<Integer> touched = new HashSet<>();
    ExecutorService readers = Executors.newFixedThreadPool(concurrency, runnable -> {
      Thread thread = new Thread(runnable, "istziio-replay");
      thread.setDaemon(true);
      return thread;
    });
    CountDownLatch warmed = new CountDownLatch(Math.min(warmup, requests.size()));
    long start = System.nanoTime();
    long offsetMillis = 0;
    try {
      for (int i = 0; i < requests.size(); i++) {
        Trace.Request request = requests.get(i);
        if (i == warmup && warmup > 0) {
          warmed.await();
          start = System.nanoTime();
          offsetMillis = request.atMillis();
        }
        long due = i < warmup ? System.nanoTime()
            : start + (long) ((request.atMillis() - offsetMillis) * 1_000_000 / speed);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        boolean cold = touched.add(request.fileIndex()); // first touch of its file in this run
        readers.execute(() -> {
          long lag = Math.max(0, System.nanoTime() - due);
          try {
            records.add(source.read(request, manifest.ticket(request.fileIndex()), lag, cold));
          } catch (Throwable t) { // a source records its failures; this is for the unexpected
            records.add(RequestRecord.failure(request, manifest.ticket(request.fileIndex()).path(),
                source.mode(), lag, cold, t.toString()));
          } finally {
            int count = finished.incrementAndGet();
            if (progress != null) {
              drawProgress(count, requests.size());
            }
            done.countDown();
            warmed.countDown(); // only its first counts matter, before the clock starts
          }
        });
      }
      done.await();
    } finally {
      readers.shutdownNow();
    }
    if (progress != null) {
      progress.print("\r" + " ".repeat(60) + "\r");
      progress.flush();
    }
    List<RequestRecord> sorted = new ArrayList<>(records);
    sorted.sort(Comparator.comparingInt(RequestRecord::sequence));
    return sorted;
  }

  private synchronized void drawProgress(int done, int total) {
    int width = 30;
    int filled = (int) ((long) done * width / total);
    progress.print("\r[" + "=".repeat(filled) + (filled < width ? ">" : "")
        + " ".repeat(Math.max(0, width - filled - 1)) + "] " + done + "/" + total);
    progress.flush();
  }
}
