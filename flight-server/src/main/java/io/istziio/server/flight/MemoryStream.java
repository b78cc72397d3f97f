package io.istziio.server.flight;

import io.istziio.client.protocol.ReadStats;
import io.istziio.server.Errors;
import io.istziio.server.memory.DecodedFile;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * One DoGet answered from the memory tier, on gRPC's own threads: it writes batches while the
 * client's flow-control window is open and resumes from Flight's ready callback, so no thread
 * waits for a slow client and none is handed the stream. Each batch is a view of the decoded
 * file's buffers (a projection picks columns, nothing is copied) written zero-copy: a stream
 * holds only references to buffers the tier already holds.
 *
 * <p>Threading: gRPC runs {@code getStream}, the ready callback and the cancel callback of one
 * call one at a time, so {@link #pump} never runs concurrently with itself; {@code finished}
 * makes the clean-up run once whichever of completion, error or cancellation comes first.
 */
final class MemoryStream {

  private final DecodedFile file;
  private final int[] columns;
  private final ServerStreamListener listener;
  private final BufferAllocator metadataAllocator;
  private final Runnable onFinish;
  private final VectorSchemaRoot root;
  private final VectorLoader loader;
  private final AtomicBoolean finished = new AtomicBoolean();
  private long sendNanos;
  private long rows;
  private long bytes;
  private int next;

  /**
   * @param file retained for this stream; released when it ends
   * @param columns the positions of the projected columns in the file's schema
   * @param onFinish runs once when the stream ends, however it ends
   */
  MemoryStream(DecodedFile file, int[] columns, ServerStreamListener listener,
      BufferAllocator metadataAllocator, Runnable onFinish) {
    this.file = file;
    this.columns = columns;
    this.listener = listener;
    this.metadataAllocator = metadataAllocator;
    this.onFinish = onFinish;
    Field[] fields = new Field[columns.length];
    for (int i = 0; i < columns.length; i++) {
      fields[i] = file.schema().getFields().get(columns[i]);
    }
    // Vectors of the tier's own allocator: loading a cached buffer into them is a reference count.
    this.root = VectorSchemaRoot.create(new Schema(java.util.List.of(fields),
        file.schema().getCustomMetadata()), file.allocator());
    this.loader = new VectorLoader(root);
  }

  /** Sends the schema and what the client's window takes now; the ready callback does the rest. */
  void start() {
    listener.setOnCancelHandler(this::finish);
    listener.setOnReadyHandler(this::pump);
    listener.setUseZeroCopy(true);
    try {
      listener.start(root);
    } catch (RuntimeException e) {
      fail(e);
      return;
    }
    pump();
  }

  private void pump() {
    try {
      while (!finished.get() && listener.isReady()) {
        if (next == file.batches().size()) {
          if (next == 0) {
            listener.putMetadata(stats()); // an empty file: the stats go alone
          }
          listener.completed();
          finish();
          return;
        }
        long start = System.nanoTime();
        try (ArrowRecordBatch batch = file.batches().get(next).project(columns)) {
          loader.load(batch);
        }
        bytes += batchBytes();
        rows += root.getRowCount();
        next++;
        if (next == file.batches().size()) {
          listener.putNext(stats()); // the last batch carries the read's stats
        } else {
          listener.putNext();
        }
        sendNanos += System.nanoTime() - start;
      }
    } catch (RuntimeException e) {
      fail(e);
    }
  }

  private void fail(RuntimeException e) {
    if (!finished.get() && !listener.isCancelled()) {
      listener.error(Errors.toFlight(e, "DoGet " + file.key().path()));
    }
    finish();
  }

  private long batchBytes() {
    long total = 0;
    for (var vector : root.getFieldVectors()) {
      total += vector.getBufferSize();
    }
    return total;
  }

  private ArrowBuf stats() {
    byte[] json = new ReadStats(ReadStats.HIT, 0, 0, sendNanos, rows, next, bytes,
        file.rowGroups(), 0, file.rows(), ReadStats.MEMORY).toJsonBytes();
    ArrowBuf metadata = metadataAllocator.buffer(json.length);
    metadata.writeBytes(json);
    return metadata; // the listener owns and releases it
  }

  private void finish() {
    if (finished.compareAndSet(false, true)) {
      root.close();
      file.release();
      onFinish.run();
    }
  }
}
