package io.istziio.server.flight;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;

/**
 * One stream's rows decoded ahead into a spool file (see {@link StreamSpool}) and read back one
 * batch at a time. The file is an Arrow IPC stream of the reader's schema, without dictionaries
 * (streams with dictionary-encoded columns do not spool).
 *
 * <p>Used by one stream thread; not thread-safe.
 */
final class SpooledRows implements AutoCloseable {

  /** Loads a scan's next batch into its root; false at its end. */
  interface Loader {
    boolean load() throws Exception;
  }

  private final StreamSpool spool;
  private final Path file;
  private final long bytes;
  /** Whether the drain reached the scan's end; if not, the scan reads on after these rows. */
  private final boolean complete;
  private final ArrowStreamReader reader;

  private SpooledRows(StreamSpool spool, Path file, long bytes, boolean complete,
      ArrowStreamReader reader) {
    this.spool = spool;
    this.file = file;
    this.bytes = bytes;
    this.complete = complete;
    this.reader = reader;
  }

  /**
   * Drains {@code scan} into a new spool file until it ends or the spool's bound is reached;
   * null if the spool does not take a drain now (off, full, or another stream draining).
   *
   * @param next loads the scan's next batch into {@code scanned}; false at its end (decode
   *     failures are thrown by it as the stream would throw them)
   */
  static SpooledRows drain(StreamSpool spool, VectorSchemaRoot scanned, Loader next,
      BufferAllocator allocator) throws Exception {
    Path file = spool.startDrain();
    if (file == null) {
      return null;
    }
    long written = 0;
    boolean complete = false;
    try {
      try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW,
              StandardOpenOption.WRITE);
          ArrowStreamWriter writer = new ArrowStreamWriter(scanned,
              new DictionaryProvider.MapDictionaryProvider(), out)) {
        writer.start();
        long batchBytes = 0;
        while (true) {
          if (!spool.hasRoom(batchBytes)) {
            break; // the rest stays with the scan
          }
          if (!next.load()) {
            complete = true;
            break;
          }
          writer.writeBatch();
          long size = out.position();
          batchBytes = size - written;
          spool.add(batchBytes);
          written = size;
        }
        writer.end();
      }
      ArrowStreamReader reader = new ArrowStreamReader(FileChannel.open(file), allocator);
      return new SpooledRows(spool, file, written, complete, reader);
    } catch (Throwable t) {
      spool.remove(written);
      Files.deleteIfExists(file);
      throw t;
    } finally {
      spool.drained();
    }
  }

  /** Whether the scan's rows all came into the file, so the scan can close. */
  boolean complete() {
    return complete;
  }

  /**
   * Moves the next spooled batch into {@code target}, a root of the same schema; false when the
   * file has no more.
   */
  boolean loadInto(VectorSchemaRoot target) throws IOException {
    if (!reader.loadNextBatch()) {
      return false;
    }
    moveBatch(reader.getVectorSchemaRoot(), target);
    return true;
  }

  /**
   * Moves {@code from}'s buffers into {@code to} (same schema), leaving {@code from} empty: no
   * copy.
   */
  static void moveBatch(VectorSchemaRoot from, VectorSchemaRoot to) {
    List<FieldVector> source = from.getFieldVectors();
    List<FieldVector> target = to.getFieldVectors();
    for (int i = 0; i < source.size(); i++) {
      source.get(i).makeTransferPair(target.get(i)).transfer();
    }
    to.setRowCount(from.getRowCount());
  }

  @Override
  public void close() throws Exception {
    try {
      AutoCloseables.close(reader);
    } finally {
      spool.remove(bytes);
      Files.deleteIfExists(file);
    }
  }
}
