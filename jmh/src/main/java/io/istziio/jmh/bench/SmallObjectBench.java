package io.istziio.jmh.bench;

import io.istziio.client.IstziioClient;
import io.istziio.client.protocol.ReadTicket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Small-object rate: DoGets per second of small cached files from one client, routed by the client
 * itself, with THREADS requests in flight.
 *
 * <pre>SmallObjectBench NODE_LOCATION THREADS SECONDS PATH...</pre>
 */
public final class SmallObjectBench {

  public static void main(String[] args) throws Exception {
    String node = args[0];
    int threads = Integer.parseInt(args[1]);
    long seconds = Long.parseLong(args[2]);
    List<ReadTicket> tickets = new ArrayList<>();
    for (int i = 3; i < args.length; i++) {
      tickets.add(ReadTicket.of(args[i]));
    }
    try (IstziioClient client = IstziioClient.connect(node)) {
      for (ReadTicket ticket : tickets) { // every file cached before the clock starts
        client.read(ticket, batch -> { });
      }
      AtomicLong done = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      long end = System.nanoTime() + seconds * 1_000_000_000L;
      List<Thread> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int offset = t;
        Thread worker = new Thread(() -> {
          for (int i = offset; System.nanoTime() < end; i++) {
            try {
              client.read(tickets.get(i % tickets.size()), batch -> { });
              done.incrementAndGet();
            } catch (Exception e) {
              failed.incrementAndGet();
            }
          }
        });
        worker.start();
        workers.add(worker);
      }
      long start = System.nanoTime();
      for (Thread worker : workers) {
        worker.join();
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      new Results().put("benchmark", "small objects").put("threads", threads)
          .put("requests", done.get()).put("failed", failed.get())
          .put("requests_per_s", Math.round(done.get() / elapsed)).print();
    }
  }
}
