package io.istziio.jmh.bench;

import io.istziio.client.protocol.ReadTicket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * Slow readers against a node's memory: READERS streams of one cached file, each taking one batch
 * a second for SECONDS, then cancelled. Reports the node process's resident set (VmRSS of
 * /proc/PID/status) before, at its peak while they read, and after they leave (once it settles,
 * at most 30 s), and the same for its anonymous part (RssAnon): disk-tier scans map the cached
 * file, and VmRSS counts its pages once per open scan, RssAnon not at all.
 *
 * <pre>SlowReadersBench NODE_LOCATION NODE_PID PATH READERS SECONDS</pre>
 */
public final class SlowReadersBench {

  public static void main(String[] args) throws Exception {
    Location node = new Location(URI.create(args[0]));
    long pid = Long.parseLong(args[1]);
    ReadTicket ticket = ReadTicket.of(args[2]);
    int readers = Integer.parseInt(args[3]);
    int seconds = Integer.parseInt(args[4]);
    try (BufferAllocator allocator = new RootAllocator();
        FlightClient client = FlightClient.builder(allocator, node).build()) {
      for (int i = 0; i < 3; i++) { // cached, and in the memory tier if it admits it
        drain(client, ticket);
        Thread.sleep(500);
      }
      System.gc();
      Thread.sleep(2000);
      long before = rss(pid);
      long anonBefore = rss(pid, "RssAnon:");
      AtomicLong peak = new AtomicLong(before);
      AtomicLong anonPeak = new AtomicLong(anonBefore);
      CountDownLatch done = new CountDownLatch(readers);
      List<Thread> threads = new ArrayList<>();
      for (int r = 0; r < readers; r++) {
        Thread thread = new Thread(() -> {
          try (FlightStream stream = client.getStream(ticket.toFlightTicket())) {
            for (int s = 0; s < seconds && stream.next(); s++) {
              Thread.sleep(1000);
            }
            stream.cancel("a slow reader leaves", null);
          } catch (Exception e) {
            System.err.println("reader: " + e);
          } finally {
            done.countDown();
          }
        });
        thread.start();
        threads.add(thread);
      }
      while (done.getCount() > 0) {
        peak.accumulateAndGet(rss(pid), Math::max);
        anonPeak.accumulateAndGet(rss(pid, "RssAnon:"), Math::max);
        Thread.sleep(250);
      }
      for (Thread thread : threads) {
        thread.join();
      }
      long after = rss(pid);
      for (int i = 0; i < 120 && after > before * 1.1; i++) { // let the node release what it can
        Thread.sleep(250);
        after = rss(pid);
      }
      new Results().put("benchmark", "slow readers").put("readers", readers)
          .put("seconds", seconds).put("rss_before_mb", before >> 20)
          .put("rss_peak_mb", peak.get() >> 20).put("rss_after_mb", after >> 20)
          .put("growth_mb", (peak.get() - before) >> 20)
          .put("after_over_before", Math.round(100.0 * after / before) / 100.0)
          .put("anon_before_mb", anonBefore >> 20).put("anon_peak_mb", anonPeak.get() >> 20)
          .put("anon_after_mb", rss(pid, "RssAnon:") >> 20).print();
    }
  }

  private static void drain(FlightClient client, ReadTicket ticket) throws Exception {
    try (FlightStream stream = client.getStream(ticket.toFlightTicket())) {
      while (stream.next()) {
        // read to the end
      }
    }
  }

  /** The process's resident set in bytes. */
  private static long rss(long pid) throws Exception {
    return rss(pid, "VmRSS:");
  }

  /** A field of /proc/PID/status in bytes, e.g. "VmRSS:" or "RssAnon:". */
  private static long rss(long pid, String field) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith(field)) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IllegalStateException("no " + field + " for process " + pid);
  }
}
