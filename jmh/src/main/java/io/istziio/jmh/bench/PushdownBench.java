package io.istziio.jmh.bench;

import io.istziio.client.IstziioClient;
import io.istziio.client.ReadResult;
import io.istziio.client.protocol.ReadTicket;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;

/**
 * Pushdown through the cluster: a 1%-selective filter on the sorted id column evaluated in the node,
 * against the whole file sent and filtered in the client; time and Arrow bytes, same run.
 *
 * <pre>PushdownBench NODE_LOCATION PATH ROWS REPEATS</pre>
 */
public final class PushdownBench {

  public static void main(String[] args) throws Exception {
    String node = args[0];
    String path = args[1];
    long rows = Long.parseLong(args[2]);
    int repeats = Integer.parseInt(args[3]);
    long low = rows / 2;
    long high = low + rows / 100 - 1;
    ReadTicket filtered = ReadTicket.of(path).withFilter("id BETWEEN " + low + " AND " + high);
    ReadTicket whole = ReadTicket.of(path);
    try (IstziioClient client = IstziioClient.connect(node)) {
      run(client, whole, low, high); // cached, warm
      run(client, filtered, low, high);
      long[] pushdown = {0, 0};
      long[] full = {0, 0};
      for (int i = 0; i < repeats; i++) {
        add(pushdown, run(client, filtered, low, high));
        add(full, run(client, whole, low, high));
      }
      new Results().put("benchmark", "pushdown 1%").put("repeats", repeats)
          .put("pushdown_ms", StreamingBench.round(pushdown[0] / 1e6 / repeats))
          .put("full_ms", StreamingBench.round(full[0] / 1e6 / repeats))
          .put("time_ratio", StreamingBench.round((double) full[0] / pushdown[0]))
          .put("pushdown_mb", StreamingBench.round(pushdown[1] / 1e6 / repeats))
          .put("full_mb", StreamingBench.round(full[1] / 1e6 / repeats))
          .put("bytes_ratio", StreamingBench.round((double) full[1] / pushdown[1])).print();
    }
  }

  private static void add(long[] total, long[] one) {
    total[0] += one[0];
    total[1] += one[1];
  }

  /** Nanoseconds and Arrow bytes of one read, filtering in the client what the node did not. */
  private static long[] run(IstziioClient client, ReadTicket ticket, long low, long high) throws Exception {
    AtomicLong bytes = new AtomicLong();
    AtomicLong matches = new AtomicLong();
    long start = System.nanoTime();
    ReadResult result = client.read(ticket, batch -> {
      BigIntVector ids = (BigIntVector) batch.getVector("id");
      for (int i = 0; i < batch.getRowCount(); i++) {
        long id = ids.get(i);
        if (id >= low && id <= high) {
          matches.incrementAndGet();
        }
      }
      for (FieldVector vector : batch.getFieldVectors()) {
        bytes.addAndGet(vector.getBufferSize());
      }
    });
    long elapsed = System.nanoTime() - start;
    if (matches.get() != high - low + 1 || result.rows() < matches.get()) {
      throw new IllegalStateException("expected " + (high - low + 1) + " matching rows, got " + matches);
    }
    return new long[] {elapsed, bytes.get()};
  }
}
