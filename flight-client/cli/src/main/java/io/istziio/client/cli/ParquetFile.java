package io.istziio.client.cli;

import io.istziio.client.data.ArrowSchemaFooter;
import io.istziio.client.data.GeneratedBatches;
import io.istziio.client.data.EmptyParquet;
import io.istziio.client.data.ParquetFiles;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.message.ArrowDictionaryBatch;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Parquet, written by Arrow Dataset's native writer as the batches arrive. The writer pulls from an
 * {@link ArrowReader}; the read pushes. A queue of {@link #QUEUE} batches joins the two, so the
 * read waits while the writer is busy (Flight's flow control then holds the node back) and the
 * result is never held whole. The file appears only once complete. The writer starts with the
 * first batch; a result without rows becomes a Parquet file with the schema and no row group.
 * A dictionary-encoded column stays so (Arrow's schema in the footer says so, and pyarrow reads it
 * back as a dictionary): each batch goes to the writer with its dictionaries.
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
  private Schema schema; // as files describe it: dictionary-encoded fields typed by their values
  private DictionaryCopies dictionaries;

  ParquetFile(Path path) {
    this.path = path;
  }

  @Override
  public void start(Schema schema, DictionaryProvider source) {
    allocator = new RootAllocator();
    dictionaries = new DictionaryCopies(schema, source, allocator);
    this.schema = dictionaries.messageFormat(schema);
  }

  private void startWriter() {
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
  public void write(VectorSchemaRoot batch, DictionaryProvider source) throws IOException {
    if (writer == null) {
      startWriter();
    }
    dictionaries.update(source);
    Batch copy = new Batch(Batches.copy(batch, allocator), dictionaries.batches());
    try {
      hand(copy);
    } catch (IOException | RuntimeException e) {
      copy.close();
      throw e;
    }
  }

  /**
   * A batch for the writer with every dictionary it uses (a dictionary is small next to a batch,
   * and the writer's reader then needs no memory of which changed).
   */
  private record Batch(ArrowRecordBatch records, List<ArrowDictionaryBatch> dictionaries)
      implements AutoCloseable {
    @Override
    public void close() {
      records.close();
      dictionaries.forEach(ArrowDictionaryBatch::close);
    }
  }

  @Override
  public void finish() throws IOException {
    if (writer == null) { // no batch came, and the dataset writer makes no file without one
      EmptyParquet.write(path, schema);
    } else {
      hand(END);
      join();
      if (failure != null) {
        throw writerFailed();
      }
    }
    if (!dictionaries.getDictionaryIds().isEmpty()) {
      ArrowSchemaFooter.store(path, schema); // else the dictionary columns read back plain
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
      if (allocator != null) {
        dictionaries.close();
        allocator.close();
      }
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
      dictionaries.close();
      allocator.close();
    }
  }

  private void drain() {
    for (Object item = queue.poll(); item != null; item = queue.poll()) {
      if (item instanceof Batch batch) {
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
      Batch batch = (Batch) next;
      batch.dictionaries().forEach(this::loadDictionary); // each closes its batch
      loadRecordBatch(batch.records()); // closes the batch: the root holds the buffers
      return true;
    }

  }
}
