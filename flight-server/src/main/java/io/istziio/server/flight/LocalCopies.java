package io.istziio.server.flight;

import io.istziio.server.Errors;
import io.istziio.server.cache.DiskCache;
import io.istziio.server.cache.Lease;
import io.istziio.server.cache.ObjectCache;
import io.istziio.server.store.ObjectPath;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.arrow.flight.FlightRuntimeException;

/**
 * Brings objects into this node's disk cache, a bounded number at a time, for warm and pin. Each
 * object is read through the object cache as a DoGet would read it, so a download is shared with
 * any read (or other warm) of the same object under way, and a copy already cached costs no store
 * call.
 */
final class LocalCopies {

  /**
   * One object's outcome.
   *
   * @param bytes the copy's size; 0 when it failed
   * @param outcome how the cache found it; null when it failed
   * @param failure why it failed (a Flight error); null when it did not
   */
  record Copy(String path, long bytes, Lease.Outcome outcome, FlightRuntimeException failure) {}

  private final ObjectCache objects;
  private final DiskCache disk;

  LocalCopies(ObjectCache objects, DiskCache disk) {
    this.objects = objects;
    this.disk = disk;
  }

  /**
   * Reads each path into the disk cache, {@code concurrency} at a time, handing each outcome to
   * {@code done} on the calling thread as it completes (so the caller may write it to a stream
   * without locking). Returns early, leaving the downloads under way to finish into the cache,
   * when {@code cancelled} turns true.
   */
  void copy(List<String> paths, int concurrency, BooleanSupplier cancelled, Consumer<Copy> done)
      throws InterruptedException {
    if (paths.isEmpty()) {
      return;
    }
    AtomicInteger threads = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(concurrency, paths.size()),
        runnable -> {
          Thread thread = new Thread(runnable, "istziio-copy-" + threads.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
    BlockingQueue<Copy> finished = new LinkedBlockingQueue<>();
    try {
      for (String path : paths) {
        pool.execute(() -> finished.add(copy(path)));
      }
      for (int received = 0; received < paths.size(); ) {
        Copy copy = finished.poll(200, TimeUnit.MILLISECONDS);
        if (copy != null) {
          done.accept(copy);
          received++;
        } else if (cancelled.getAsBoolean()) {
          return;
        }
      }
    } finally {
      pool.shutdownNow(); // only queued copies are dropped: a running one cannot be interrupted
    }
  }

  private Copy copy(String path) {
    try (Lease lease = objects.open(ObjectPath.parse(path))) {
      long bytes = Files.size(lease.path());
      if (lease.outcome() == Lease.Outcome.BYPASS) {
        return new Copy(path, 0, null, Errors.resourceExhausted("%s (%d bytes) does not fit in "
            + "the disk cache beside the copies pinned and being read (bound %d bytes, %d "
            + "pinned); unpin, evict or resize", path, bytes, disk.capacityBytes(),
            disk.pinnedBytes()));
      }
      return new Copy(path, bytes, lease.outcome(), null);
    } catch (Exception e) {
      return new Copy(path, 0, null, Errors.toFlight(e, "copying " + path + " into the cache"));
    }
  }

  /** A failure as one line: its status and message. */
  static String describe(FlightRuntimeException failure) {
    String description = failure.status().description();
    return failure.status().code() + ": " + (description == null ? "" : description);
  }
}
