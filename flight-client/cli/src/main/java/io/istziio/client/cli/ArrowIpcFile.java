package io.istziio.client.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.ArrowWriter;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Arrow IPC: the file format ({@code .arrow}) or the stream format ({@code .arrows}).
 * Dictionary-encoded columns stay so: the stream format writes a replacement dictionary batch
 * when a batch's dictionary differs from the last (a node sends one per row group that carries
 * another); the file format holds one dictionary per column for the whole file, so a read whose
 * dictionary changes fails with a message pointing to {@code .arrows} or {@code .parquet}.
 */
final class ArrowIpcFile implements ResultFile {

  private final Path path;
  private final boolean stream;
  private BufferAllocator allocator;
  private VectorSchemaRoot root;
  private DictionaryCopies dictionaries;
  private ArrowWriter writer;
  private boolean finished;
  private boolean written;

  ArrowIpcFile(Path path, boolean stream) {
    this.path = path;
    this.stream = stream;
  }

  @Override
  public void start(Schema schema, DictionaryProvider source) throws IOException {
    allocator = new RootAllocator();
    dictionaries = new DictionaryCopies(schema, source, allocator);
    root = VectorSchemaRoot.create(schema, allocator);
    FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    // The writers look the dictionaries up at each batch: the stream writer sends those that
    // changed since its last batch, the file writer its first batch's only.
    writer = stream ? new ArrowStreamWriter(root, dictionaries, channel)
        : new ArrowFileWriter(root, dictionaries, channel);
    writer.start();
  }

  @Override
  public void write(VectorSchemaRoot batch, DictionaryProvider source) throws IOException {
    Set<Long> changed = dictionaries.update(source);
    if (!stream && !changed.isEmpty() && written) {
      throw new IOException("the dictionary of column " + column(batch.getSchema(), changed)
          + " changes within the result (the file's row groups carry different ones), which an "
          + "Arrow IPC file cannot hold; write .arrows (IPC stream) or .parquet instead");
    }
    written = true;
    try (ArrowRecordBatch copy = Batches.copy(batch, allocator)) {
      new VectorLoader(root).load(copy);
    }
    writer.writeBatch();
  }

  /** The name of a top-level column that uses one of {@code ids}. */
  private static String column(Schema schema, Set<Long> ids) {
    for (Field field : schema.getFields()) {
      if (field.getDictionary() != null && ids.contains(field.getDictionary().getId())) {
        return TypeNames.quote(field.getName());
      }
    }
    return "(nested)";
  }

  @Override
  public void finish() throws IOException {
    writer.end();
    finished = true;
  }

  @Override
  public void close() throws IOException {
    try {
      AutoCloseables.close(writer, root, dictionaries, allocator); // the writer closes the channel
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e);
    } finally {
      if (!finished) {
        Files.deleteIfExists(path);
      }
    }
  }
}
