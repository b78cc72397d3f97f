package io.istziio.server.parquet;

import io.istziio.server.Errors;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;

/**
 * What a Parquet file's footer says about its size: rows, row groups and the uncompressed bytes of
 * each top-level column. Reading it touches only the file's tail.
 *
 * @param rows rows in the file
 * @param rowGroups row groups in the file
 * @param columnBytes uncompressed bytes per top-level column, over all row groups
 */
public record ParquetFooter(long rows, int rowGroups, Map<String, Long> columnBytes) {

  private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

  /** Uncompressed bytes of the given columns; all of them when {@code columns} is null. */
  public long bytes(Collection<String> columns) {
    Collection<String> names = columns != null ? columns : columnBytes.keySet();
    return names.stream().mapToLong(name -> columnBytes.getOrDefault(name, 0L)).sum();
  }

  /**
   * Reads the footer of a local file.
   *
   * @param name the object's path, to name it in errors
   * @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT if it is not Parquet
   */
  public static ParquetFooter read(Path file, String name) {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size < 12 || !hasMagic(channel, 0) || !hasMagic(channel, size - 4)) {
        throw notParquet(name, "no PAR1 magic bytes");
      }
      ByteBuffer length = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
      readFully(channel, length, size - 8);
      int footerLength = length.getInt(0);
      if (footerLength <= 0 || footerLength > size - 12) {
        throw notParquet(name, "footer length " + footerLength + " does not fit the file");
      }
      ByteBuffer footer = ByteBuffer.allocate(footerLength);
      readFully(channel, footer, size - 8 - footerLength);
      FileMetaData metadata = Util.readFileMetaData(new ByteArrayInputStream(footer.array()));
      return of(metadata);
    } catch (IOException e) {
      throw notParquet(name, "unreadable footer: " + e.getMessage());
    }
  }

  private static ParquetFooter of(FileMetaData metadata) {
    Map<String, Long> bytes = new HashMap<>();
    List<RowGroup> groups = metadata.getRow_groups();
    for (RowGroup group : groups) {
      for (ColumnChunk chunk : group.getColumns()) {
        if (chunk.isSetMeta_data()) {
          String column = chunk.getMeta_data().getPath_in_schema().get(0);
          bytes.merge(column, chunk.getMeta_data().getTotal_uncompressed_size(), Long::sum);
        }
      }
    }
    return new ParquetFooter(metadata.getNum_rows(), groups.size(), Map.copyOf(bytes));
  }

  private static boolean hasMagic(FileChannel channel, long position) throws IOException {
    ByteBuffer magic = ByteBuffer.allocate(4);
    readFully(channel, magic, position);
    return ByteBuffer.wrap(MAGIC).equals(magic);
  }

  private static void readFully(FileChannel channel, ByteBuffer buffer, long position)
      throws IOException {
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, position + buffer.position()) < 0) {
        throw new IOException("file ends early");
      }
    }
    buffer.rewind();
  }

  private static RuntimeException notParquet(String name, String why) {
    return Errors.invalid("%s is not a Parquet file (%s); point the ticket at a .parquet object",
        name, why);
  }
}
