package io.istziio.server.flight;

import io.istziio.client.protocol.ReadTicket;
import io.istziio.server.Errors;
import io.istziio.server.dataset.PartitionedRead;
import io.istziio.server.filter.BatchFilter;
import io.istziio.server.filter.BoundFilter;
import io.istziio.server.filter.RowFilter;
import io.istziio.server.filter.RowGroupPruner;
import io.istziio.server.memory.DecodedFile;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.memory.BufferAllocator;

/**
 * Starts the DoGet streams served from decoded files ({@link MemoryStream}) and counts them
 * against --max-streams: they hold no thread, so the stream executor's bound does not see them.
 */
final class MemoryStreams {

  private final BufferAllocator allocator;
  private final int maxStreams;
  private final AtomicInteger running = new AtomicInteger();

  /** Memory streams being sent. */
  int running() {
    return running.get();
  }

  MemoryStreams(BufferAllocator allocator, int maxStreams) {
    this.allocator = allocator;
    this.maxStreams = maxStreams;
  }

  /**
   * Streams the ticket's rows of {@code file}, which the caller retained for the stream; the
   * request's errors (an unknown column, a filter that does not fit, too many streams) go to the
   * client. False, with the file released, when the filter is an outside Substrait expression,
   * which only the disk tier's scanner runs, or when a column is not one of the file's top-level
   * columns (a field inside a struct, which the scanner extracts, or a name the disk path refuses
   * with the rule it resolves names by): the caller serves the request from disk.
   */
  boolean start(DecodedFile file, MemoryStream.Origin origin, ReadTicket request, RowFilter filter,
      ServerStreamListener listener) {
    return start(file, origin, request, filter, null, listener);
  }

  /**
   * As above, with a file ticket's partition columns appended ({@code partitioned}'s layout), or
   * none when it is null; {@code request} and {@code filter} are then the file's own read.
   */
  boolean start(DecodedFile file, MemoryStream.Origin origin, ReadTicket request, RowFilter filter,
      PartitionedRead partitioned, ServerStreamListener listener) {
    if (!file.hasColumns(request.columns())) {
      file.release();
      return false;
    }
    MemoryStream stream;
    try {
      int[] columns = file.positions(request.columns());
      if (partitioned != null) {
        partitioned.schema(file.schema()); // refuses a partition column the file has too
      }
      BatchFilter batchFilter = null;
      RowGroupPruner.Pruning pruning = RowGroupPruner.Pruning.none(file.footer());
      boolean[] skippable = null;
      if (filter != null) {
        BoundFilter bound = filter.bind(file.schema());
        if (bound == null) {
          file.release();
          return false;
        }
        batchFilter = BatchFilter.compile(bound);
        // What is reported is what is skipped: nothing when the batches do not follow the row
        // groups; nothing for a filter reading floats (RowGroupPruner: NaN escapes the statistics).
        if (file.batchGroups() != null) {
          skippable = RowGroupPruner.ruledOut(bound, file.footer());
          pruning = RowGroupPruner.Pruning.of(skippable, file.footer());
        }
      }
      if (running.incrementAndGet() > maxStreams) {
        running.decrementAndGet();
        throw tooBusy(maxStreams);
      }
      try {
        stream = new MemoryStream(file, origin, columns, batchFilter, pruning, skippable, listener,
            allocator, running::decrementAndGet, partitioned);
      } catch (RuntimeException e) {
        running.decrementAndGet();
        throw e;
      }
    } catch (RuntimeException e) {
      file.release();
      listener.error(Errors.toFlight(e, "DoGet " + request));
      return true;
    }
    stream.start();
    return true;
  }

  /** The answer to a DoGet beyond the node's stream bound. */
  static FlightRuntimeException tooBusy(int maxStreams) {
    return CallStatus.RESOURCE_EXHAUSTED.withDescription(String.format(Locale.ROOT,
        "the node is serving and queueing its limit of streams (--max-streams %d); retry later "
            + "or read from another owner (the Java client does)", maxStreams)).toRuntimeException();
  }
}
