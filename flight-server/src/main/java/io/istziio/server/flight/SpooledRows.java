package io.istziio.server.flight;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.ForeignAllocation;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.ReadChannel;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.ipc.message.MessageMetadataResult;
import org.apache.arrow.vector.ipc.message.MessageSerializer;

/**
 * One stream's rows decoded ahead into a spool file (see {@link StreamSpool}) and read back one
 * batch at a time. The file is an Arrow IPC stream of the scan's schema, without dictionaries
 * (streams with dictionary-encoded columns do not spool).
 *
 * <p>Each batch read back is a memory map of its message body, not a copy, and is sent without a
 * copy: its buffers, and the ones gRPC holds while the client's flow-control window is shut
 * (about 11 MiB per stalled stream, measured, whatever the batch size), are page cache that the
 * kernel can drop and read again, not memory of the node's own. A map is unmapped when the last
 * Arrow buffer over it is released (once gRPC has written it and the next batch replaced it).
 *
 * <p>Used by one stream thread; not thread-safe. A map's release may come from a gRPC thread;
 * Arrow's reference count makes it happen once, after every use.
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
  private final FileChannel channel;
  private final ReadChannel messages;
  private final BufferAllocator allocator;

  private SpooledRows(StreamSpool spool, Path file, long bytes, boolean complete,
      FileChannel channel, BufferAllocator allocator) {
    this.spool = spool;
    this.file = file;
    this.bytes = bytes;
    this.complete = complete;
    this.channel = channel;
    this.messages = new ReadChannel(channel);
    this.allocator = allocator;
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
    boolean spooled = false;
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
      SpooledRows rows = new SpooledRows(spool, file, written, complete, FileChannel.open(file),
          allocator);
      spooled = true;
      return rows;
    } catch (Throwable t) {
      spool.remove(written);
      Files.deleteIfExists(file);
      throw t;
    } finally {
      spool.drained(spooled);
    }
  }

  /** Whether the scan's rows all came into the file, so the scan can close. */
  boolean complete() {
    return complete;
  }

  /**
   * Loads the next spooled batch into {@code target}, a root of the file's schema, over a map of
   * the file; false when the file has no more.
   */
  boolean loadInto(VectorSchemaRoot target) throws IOException {
    MessageMetadataResult message = MessageSerializer.readMessage(messages);
    while (message != null && message.getMessage().headerType() != MessageHeader.RecordBatch) {
      channel.position(channel.position() + message.getMessageBodyLength()); // the schema's
      message = MessageSerializer.readMessage(messages);
    }
    if (message == null) {
      return false;
    }
    long start = channel.position();
    long length = message.getMessageBodyLength();
    channel.position(start + length);
    ArrowBuf body = map(start, length);
    ArrowRecordBatch batch;
    try {
      // Takes over the body's reference: each buffer of the batch holds a slice of it.
      batch = MessageSerializer.deserializeRecordBatch(message, body);
    } catch (IOException | RuntimeException e) {
      body.close();
      throw e;
    }
    try (batch) {
      new VectorLoader(target).load(batch); // the vectors take references of their own
    }
    return true;
  }

  /** {@code length} bytes of the file from {@code start}, mapped, as an Arrow buffer. */
  private ArrowBuf map(long start, long length) throws IOException {
    if (length == 0) {
      return allocator.getEmpty();
    }
    MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, start, length);
    return allocator.wrapForeignAllocation(
        new ForeignAllocation(length, MemoryUtil.getByteBufferAddress(mapped)) {
          @Override
          protected void release0() {
            Unmapper.unmap(mapped);
          }
        });
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
      AutoCloseables.close(channel); // the maps outlive it, each until its last buffer goes
    } finally {
      spool.remove(bytes);
      Files.deleteIfExists(file); // mapped pages stay readable until unmapped
    }
  }
}
