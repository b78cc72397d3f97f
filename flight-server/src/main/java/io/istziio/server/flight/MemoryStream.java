package io.istziio.server.flight;

import io.istziio.client.protocol.ReadStats;
import io.istziio.server.calls.MeteredListener;
import io.istziio.client.protocol.ServedVersion;
import io.istziio.server.Errors;
import io.istziio.server.dataset.PartitionColumns;
import io.istziio.server.dataset.PartitionedRead;
import io.istziio.server.filter.BatchFilter;
import io.istziio.server.filter.FilteredBatches;
import io.istziio.server.filter.RowGroupPruner;
import io.istziio.server.memory.DecodedFile;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;

/**
 * One DoGet answered from the memory tier, on gRPC's own threads: it writes batches while the
 * client's flow-control window is open and resumes from Flight's ready callback, so no thread
 * waits for a slow client and none is handed the stream.
 *
 * <p>Without a filter each batch is a view of the decoded file's buffers (a projection picks
 * columns, nothing is copied) written zero-copy: the stream holds only references to buffers the
 * tier already holds. With a filter, {@link BatchFilter} selects the rows of each cached batch and
 * they are copied into one batch of the stream's own, reused from batch to batch (so it is written
 * with a copy: a zero-copy write would still point at it when the next batch overwrites it).
 *
 * <p>Threading: a stream starts on gRPC's thread (a memory hit) or on a stream thread (a file just
 * decoded), and then gRPC's ready and cancel callbacks drive it. {@code wip} serializes them
 * without a lock, as a drain loop: whoever raises it from zero sends until it falls back to zero,
 * and a callback that finds it raised leaves its work to that thread. Everything below {@code wip}
 * is touched only inside the loop, so the clean-up runs once, whatever ends the stream.
 */
final class MemoryStream {

  private final DecodedFile file;
  private final int[] columns;
  private final List<Integer> projection;
  private final BatchFilter filter;
  private final RowGroupPruner.Pruning pruning;
  /** By batch: whether its row group's statistics rule the filter out; null to read them all. */
  private final boolean[] skippable;
  private final ServerStreamListener listener;
  private final BufferAllocator allocator;
  private final Runnable onFinish;
  /** The projected file columns, as loaded or filtered. */
  private final VectorSchemaRoot root;
  /** What is sent: {@code root}, or its vectors with the partition columns. */
  private final VectorSchemaRoot out;
  /** A file ticket's partition columns; null for none. */
  private final PartitionColumns partition;
  private final VectorLoader loader;
  /** With a filter: the stream's own view of the whole cached batch; null without. */
  private final VectorSchemaRoot view;
  private final int[] allColumns;
  private static final int[] NONE = new int[0];

  private final Origin origin;
  private final AtomicInteger wip = new AtomicInteger();
  private volatile boolean cancelled;
  private boolean finished;
  private long sendNanos;
  private long rows;
  private long batches;
  private long bytes;
  private int next;
  /** Whether a batch went out: the first carries the version it comes from (ServedVersion). */
  private boolean versionSent;

  /**
   * How the request found the file, for its stats.
   *
   * @param cache {@code hit}, {@code miss} or {@code bypass}, as in ReadStats
   * @param fetchNanos time the request waited for the store
   * @param scanNanos time it spent decoding the file
   */
  record Origin(String cache, long fetchNanos, long scanNanos) {
    static final Origin HIT = new Origin(ReadStats.HIT, 0, 0);
  }

  /**
   * @param file retained for this stream; released when it ends
   * @param origin how the request found the file
   * @param columns the positions of the projected columns in the file's schema
   * @param filter the ticket's filter, or null
   * @param pruning what the file's statistics say of the filter, reported in the stats
   * @param skippableGroups by row group, whether the filter can match none of its rows (the
   *     batches of those are not evaluated); null to evaluate every batch
   * @param allocator for the stream's own buffers: the filtered batch and the stats
   * @param onFinish runs once when the stream ends, however it ends
   * @param partitioned a file ticket's partition columns, appended after {@code columns} in its
   *     layout; null for none
   */
  MemoryStream(DecodedFile file, Origin origin, int[] columns, BatchFilter filter,
      RowGroupPruner.Pruning pruning, boolean[] skippableGroups, ServerStreamListener listener,
      BufferAllocator allocator, Runnable onFinish, PartitionedRead partitioned) {
    this.file = file;
    this.origin = origin;
    this.columns = columns;
    this.projection = Arrays.stream(columns).boxed().toList();
    this.filter = filter;
    this.pruning = pruning;
    int[] groups = file.batchGroups();
    if (skippableGroups == null || groups == null) {
      this.skippable = null;
    } else {
      this.skippable = new boolean[groups.length];
      for (int i = 0; i < groups.length; i++) {
        skippable[i] = skippableGroups[groups[i]];
      }
    }
    this.listener = listener;
    this.allocator = allocator;
    this.onFinish = onFinish;
    // Vectors of the tier's own allocator: loading a cached buffer into them is a reference
    // count, with no accounting across allocators.
    if (filter == null) {
      this.root = FilteredBatches.allocate(file.schema(), projection, file.allocator());
      this.loader = new VectorLoader(root);
      this.view = null;
    } else {
      // A filter reads, and the copy's readers position, vectors of their own: a list vector's
      // copy moves a reader cached in its source, which the cached batch must not share.
      this.view = VectorSchemaRoot.create(file.schema(), file.allocator());
      this.loader = new VectorLoader(view);
      this.root = FilteredBatches.allocate(file.schema(), projection, allocator);
    }
    this.allColumns = file.positions(null);
    if (partitioned == null) {
      this.partition = null;
      this.out = root;
    } else {
      this.partition = partitioned.columns(allocator);
      this.out = partition.wrap(root, partitioned.layout(file.schema().getFields().size()));
    }
  }

  /** Sends the schema and what the client's window takes now; the callbacks do the rest. */
  void start() {
    wip.incrementAndGet(); // callbacks that arrive before the schema is sent wait for this thread
    listener.setOnCancelHandler(() -> {
      cancelled = true;
      pump();
    });
    listener.setOnReadyHandler(this::pump);
    // Flight keeps the handlers in plain fields, read on gRPC's threads: publish them before
    // reading whether the call was cancelled already (a cancel that came before they were set
    // found no handler; send() asks the listener too).
    VarHandle.fullFence();
    listener.setUseZeroCopy(filter == null);
    try {
      listener.start(out);
    } catch (RuntimeException e) {
      fail(e);
    }
    drainLoop();
  }

  private void pump() {
    if (wip.getAndIncrement() == 0) {
      drainLoop();
    }
  }

  private void drainLoop() {
    try {
      do {
        send();
      } while (wip.decrementAndGet() != 0);
    } catch (Error e) {
      wip.set(0); // send() has finished the stream; let nothing wait on this loop
      throw e;
    }
  }

  /** Sends batches while the client's window is open; only ever inside the drain loop. */
  private void send() {
    if (finished) {
      return;
    }
    if (cancelled || listener.isCancelled()) {
      finish();
      return;
    }
    try {
      List<DecodedFile.Batch> cached = file.batches();
      while (true) {
        if (next == cached.size()) { // completing needs no window
          if (next == 0) {
            listener.putMetadata(stats()); // an empty file: the stats go alone
          }
          listener.completed();
          finish();
          return;
        }
        if (!listener.isReady()) {
          return; // the ready callback resumes
        }
        long start = System.nanoTime();
        DecodedFile.Batch batch = cached.get(next++);
        boolean last = next == cached.size();
        if (filter == null) {
          try (ArrowRecordBatch body = batch.project(columns)) {
            loader.load(body);
          }
        } else {
          if (skippable != null && skippable[next - 1]) {
            if (!last) {
              continue; // its row group's statistics rule the filter out
            }
            FilteredBatches.fill(view, NONE, projection, root); // an empty last batch
          } else {
            try (ArrowRecordBatch body = batch.project(allColumns)) {
              loader.load(body);
            }
            int[] selected = filter.select(view);
            if (selected.length == 0 && !last) {
              continue; // nothing to send; the last batch goes even if empty, to carry the stats
            }
            FilteredBatches.fill(view, selected, projection, root);
          }
        }
        if (partition != null) {
          partition.fill(out, root.getRowCount());
        }
        rows += out.getRowCount();
        if (out.getRowCount() > 0) {
          batches++;
        }
        for (FieldVector vector : out.getFieldVectors()) {
          bytes += vector.getBufferSize();
        }
        if (last) {
          listener.putNext(stats()); // the last batch carries the read's stats
        } else if (!versionSent) {
          listener.putNext(metadata(new ServedVersion(file.key().etag()).toJsonBytes()));
        } else {
          listener.putNext();
        }
        versionSent = true;
        sendNanos += System.nanoTime() - start;
      }
    } catch (Throwable e) { // an Error too: the drain loop must go on to release wip
      fail(e);
      if (e instanceof Error error) {
        throw error;
      }
    }
  }

  private void fail(Throwable e) {
    if (!finished && !listener.isCancelled()) {
      listener.error(Errors.toFlight(e, "DoGet " + file.key().path()));
    }
    finish();
  }

  private ArrowBuf stats() {
    MeteredListener.rowGroupsSkipped(listener, pruning.skipped());
    byte[] json = new ReadStats(origin.cache(), origin.fetchNanos(), origin.scanNanos(),
        sendNanos, rows, batches, bytes,
        file.footer().rowGroups(), pruning.skipped(), pruning.rowsScanned(), ReadStats.MEMORY,
        file.key().etag()).toJsonBytes();
    return metadata(json);
  }

  private ArrowBuf metadata(byte[] json) {
    ArrowBuf metadata = allocator.buffer(json.length);
    metadata.writeBytes(json);
    return metadata; // the listener owns and releases it
  }

  private void finish() {
    if (!finished) {
      finished = true;
      root.close();
      if (partition != null) {
        partition.close();
      }
      if (view != null) {
        view.close();
      }
      file.release();
      onFinish.run();
    }
  }
}
