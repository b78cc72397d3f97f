package io.istziio.client.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.ArrowWriter;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Schema;

/** Arrow IPC: the file format ({@code .arrow}) or the stream format ({@code .arrows}). */
final class ArrowIpcFile implements ResultFile {

  private final Path path;
  private final boolean stream;
  private BufferAllocator allocator;
  private VectorSchemaRoot root;
  private ArrowWriter writer;
  private boolean finished;

  ArrowIpcFile(Path path, boolean stream) {
    this.path = path;
    this.stream = stream;
  }

  @Override
  public void start(Schema schema) throws IOException {
    ResultFile.requireNoDictionaries(schema);
    allocator = new RootAllocator();
    root = VectorSchemaRoot.create(schema, allocator);
    FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    writer = stream ? new ArrowStreamWriter(root, null, channel)
        : new ArrowFileWriter(root, null, channel);
    writer.start();
  }

  @Override
  public void write(VectorSchemaRoot batch) throws IOException {
    try (ArrowRecordBatch copy = Batches.copy(batch, allocator)) {
      new VectorLoader(root).load(copy);
    }
    writer.writeBatch();
  }

  @Override
  public void finish() throws IOException {
    writer.end();
    finished = true;
  }

  @Override
  public void close() throws IOException {
    try {
      AutoCloseables.close(writer, root, allocator); // the writer closes the channel
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
