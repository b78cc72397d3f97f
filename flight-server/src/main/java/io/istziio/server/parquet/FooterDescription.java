package io.istziio.server.parquet;

import io.istziio.server.Errors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.dataset.file.FileSystemDatasetFactory;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A Parquet object described from its footer alone, without its pages: what GetFlightInfo needs
 * of an object that is not on this node's disk.
 *
 * @param name the object's path, to name it in errors
 */
public record FooterDescription(String name, Schema fileSchema, ParquetFooter footer)
    implements ParquetDescription {

  private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

  @Override
  public ColumnSelection select(List<String> columns) {
    return ColumnSelection.of(fileSchema, columns, name);
  }

  /**
   * Describes an object from its footer as read and checked ({@link ParquetFooter#read(
   * ParquetFooter.ObjectBytes, String)}). The Arrow schema is the one {@link ParquetFile#open}
   * would read: Arrow's reader inspects a stand-in file in {@code scratch} that holds only the
   * magic bytes and the footer (Arrow reads a schema from the footer alone), deleted after.
   *
   * @throws org.apache.arrow.flight.FlightRuntimeException as {@link ParquetFile#open} for a
   *     schema Arrow cannot read (see {@link ReadFailure#schema});
   *     RESOURCE_EXHAUSTED when the stand-in cannot be written (the cache disk is full)
   */
  public static FooterDescription of(ParquetFooter.Read footer, BufferAllocator allocator,
      Path scratch, String name) {
    Path standIn = null;
    try {
      standIn = Files.createTempFile(scratch, "footer-", ".parquet");
      byte[] stored = footer.stored();
      ByteBuffer file = ByteBuffer.allocate(stored.length + 12).order(ByteOrder.LITTLE_ENDIAN);
      file.put(MAGIC).put(stored).putInt(stored.length).put(MAGIC);
      Files.write(standIn, file.array());
      return new FooterDescription(name, inspect(allocator, standIn, name), footer.footer());
    } catch (IOException e) {
      // The cache disk's fault (full, read-only), not the object's or the store's.
      throw Errors.resourceExhausted("this node cannot write the %d-byte footer of %s to its cache "
          + "disk (%s); free space in %s", footer.stored().length, name, e.getMessage(), scratch);
    } finally {
      if (standIn != null) {
        try {
          Files.deleteIfExists(standIn);
        } catch (IOException e) {
          // in the scratch directory, which the next start empties
        }
      }
    }
  }

  private static Schema inspect(BufferAllocator allocator, Path standIn, String name) {
    try (FileSystemDatasetFactory factory = new FileSystemDatasetFactory(allocator,
        NativeMemory.POOL, FileFormat.PARQUET, standIn.toUri().toString())) {
      return factory.inspect();
    } catch (RuntimeException e) {
      throw ReadFailure.isNative(e) ? ReadFailure.schema(e, standIn, name) : e;
    }
  }
}
