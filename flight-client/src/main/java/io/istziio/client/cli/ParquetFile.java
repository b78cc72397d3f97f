package io.istziio.client.cli;

import io.istziio.client.data.GeneratedBatches;
import io.istziio.client.data.EmptyParquet;
import io.istziio.client.data.ParquetFiles;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Parquet, written by Arrow Dataset's native writer as the batches arrive. The writer pulls from an
 * {@link ArrowReader}; the read pushes. A queue of {@link #QUEUE} batches joins the two, so the
 * read waits while the writer is busy (Flight's flow control then holds the node back) and the
 * result is never held whole. The file appears only once complete. The writer starts with the
 * first batch; a result without rows becomes a Parquet file with the schema and no row group.
 */
final class ParquetFile implements ResultFile {

  private static final int QUEUE = 2;
  private static final Object END = new Object();
  private static final Object ABORT = new Object();

  private final Path path;
  private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUE);
  private BufferAllocator allocator;
  private Thread writer;
  private volatile Throwable failure;
  private Schema schema;

  ParquetFile(Path path) {
    this.path = path;
  }

  @Override
  public void start(Schema schema) {
    ResultFile.requireNoDictionaries(schema);
    this.schema = schema;
  }

  private void startWriter() {
    allocator = new RootAllocator();
    Handoff reader = new Handoff(allocator, schema);
    writer = new Thread(() -> {
      try {
        ParquetFiles.write(path, allocator, reader);
      } catch (Throwable t) {
        failure = t;
      }
    }, "istziio-parquet-writer");
    writer.setDaemon(true);
    writer.start();
  }

  @Override
  public void write(VectorSchemaRoot batch) throws IOException {
    if (writer == null) {
      startWriter();
    }
    ArrowRecordBatch copy = Batches.copy(batch, allocator);
    try {
      hand(copy);
    } catch (IOException | RuntimeException e) {
      copy.close();
      throw e;
    }
  }

  @Override
  public void finish() throws IOException {
    if (writer == null) { // no batch came, and the dataset writer makes no file without one
      EmptyParquet.write(path, schema);
      return;
    }
    hand(END);
    join();
    if (failure != null) {
      throw writerFailed();
    }
  }

  /** Queues {@code item} for the writer, waiting for room as long as the writer is alive. */
  private void hand(Object item) throws IOException {
    try {
      while (!queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
        if (!writer.isAlive()) {
          throw writerFailed();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while writing " + path);
    }
  }

  private IOException writerFailed() {
    Throwable cause = failure;
    String reason = cause == null ? "it stopped" : cause.getMessage();
    return new IOException("the Parquet writer failed: " + reason, cause);
  }

  private void join() throws IOException {
    try {
      writer.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while writing " + path);
    }
  }

  @Override
  public void close() throws IOException {
    if (writer == null) {
      return;
    }
    try {
      if (writer.isAlive()) { // the read failed before finish(): make the writer give up
        drain();
        hand(ABORT);
        join();
      }
    } finally {
      drain();
      allocator.close();
    }
  }

  private void drain() {
    for (Object item = queue.poll(); item != null; item = queue.poll()) {
      if (item instanceof ArrowRecordBatch batch) {
        batch.close();
      }
    }
  }

  /** The writer's side of the queue. */
  private final class Handoff extends GeneratedBatches {
    Handoff(BufferAllocator allocator, Schema schema) {
      super(allocator, schema);
    }

    @Override
    public boolean loadNextBatch() throws IOException {
      Object next;
      try {
        next = queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while writing " + path);
      }
      if (next == END) {
        return false;
      }
      if (next == ABORT) {
        throw new IOException("the read failed; " + path + " is not written");
      }
      prepareLoadNextBatch();
      loadRecordBatch((ArrowRecordBatch) next); // closes the batch: the root holds the buffers
      return true;
    }

  }
}
