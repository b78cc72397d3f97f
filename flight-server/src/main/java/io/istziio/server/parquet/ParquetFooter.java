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
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.Statistics;
import org.apache.parquet.format.Type;
import org.apache.parquet.format.Util;

/**
 * What a Parquet file's footer says: rows, the uncompressed bytes of each leaf column, and each
 * row group's column statistics. Reading it touches only the file's tail.
 *
 * @param rows rows in the file: the sum of its row groups' rows, which is what a reader returns
 *     (the file's own num_rows field is ignored: some writers leave it at 0)
 * @param leafBytes uncompressed bytes per leaf column, keyed by its path in the Parquet schema
 *     (["s", "a"] for field a of struct s; ["x"] for a flat column), over all row groups
 * @param groups the row groups, in file order
 */
public record ParquetFooter(long rows, Map<List<String>, Long> leafBytes, List<RowGroup> groups) {

  /**
   * One row group and the statistics of its top-level columns (absent when the writer wrote none).
   */
  public record RowGroup(long rows, Map<String, ColumnStats> columns) {}

  /**
   * Statistics of one column chunk, as the writer encoded them (plain encoding of the physical
   * type).
   *
   * @param min the smallest value, or null if unknown
   * @param max the largest value, or null if unknown
   * @param nullCount nulls in the chunk, or -1 if unknown
   * @param physicalType how values are stored
   */
  public record ColumnStats(byte[] min, byte[] max, long nullCount, Type physicalType) {}

  public int rowGroups() {
    return groups.size();
  }

  private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);
  /** Ends a file whose footer is encrypted (Parquet modular encryption). */
  private static final byte[] ENCRYPTED_MAGIC = "PARE".getBytes(StandardCharsets.US_ASCII);

  /**
   * Uncompressed bytes of the leaf columns under the given paths (a path is a column's names from
   * the top, as {@link ColumnSelection#paths()} gives them; a struct's path covers all its leaves);
   * the whole file's when {@code paths} is null. A leaf under two of the paths counts twice, as it
   * is sent twice.
   */
  public long bytes(Collection<List<String>> paths) {
    if (paths == null) {
      return leafBytes.values().stream().mapToLong(Long::longValue).sum();
    }
    long sum = 0;
    for (List<String> path : paths) {
      for (Map.Entry<List<String>, Long> leaf : leafBytes.entrySet()) {
        List<String> leafPath = leaf.getKey();
        if (leafPath.size() >= path.size() && leafPath.subList(0, path.size()).equals(path)) {
          sum += leaf.getValue();
        }
      }
    }
    return sum;
  }

  /**
   * Positioned reads of one version of an object: a local file, or an object read through the
   * store in ranges.
   */
  public interface ObjectBytes {
    /** The object's length in bytes. */
    long size();

    /**
     * Fills {@code buffer} (from its position to its limit) with the bytes from {@code position}.
     *
     * @throws IOException when they cannot be read (a local file cut short meanwhile); a store
     *     throws its Flight errors instead
     */
    void read(ByteBuffer buffer, long position) throws IOException;
  }

  /**
   * A footer as read and checked.
   *
   * @param footer what it says
   * @param stored its bytes as the file stores them (thrift), without the length and magic after
   *     them
   */
  public record Read(ParquetFooter footer, byte[] stored) {}

  /**
   * Reads the footer of a local file and refuses what the node cannot read (see {@link
   * FooterCheck}), so that a request fails before any batch is sent.
   *
   * @param name the object's path, to name it in errors
   * @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT if it is not Parquet or
   *     its footer is damaged; UNIMPLEMENTED if it uses what the node's reader lacks
   */
  public static ParquetFooter read(Path file, String name) {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      return read(new ObjectBytes() {
        @Override
        public long size() {
          return size;
        }

        @Override
        public void read(ByteBuffer buffer, long position) throws IOException {
          while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
              throw new IOException("file ends early");
            }
          }
        }
      }, name).footer();
    } catch (IOException e) {
      throw notParquet(name, "unreadable footer: " + e.getMessage());
    }
  }

  /**
   * Reads and checks a footer as {@link #read(Path, String)} does, wherever its bytes come from:
   * the same checks in the same order, so the same statuses and messages. It reads the first 4
   * bytes, the last 8 and the footer, nothing else.
   */
  public static Read read(ObjectBytes bytes, String name) {
    try {
      long size = bytes.size();
      if (size < 12 || !hasMagic(bytes, 0, MAGIC) && !hasMagic(bytes, 0, ENCRYPTED_MAGIC)) {
        throw notParquet(name, "no PAR1 magic bytes");
      }
      if (hasMagic(bytes, size - 4, ENCRYPTED_MAGIC)) {
        throw Errors.unimplemented("%s uses Parquet modular encryption (encrypted footer), which "
            + "this node cannot decrypt; serve an unencrypted copy", name);
      }
      if (!hasMagic(bytes, size - 4, MAGIC)) {
        throw damagedFooter(name, "it does not end with PAR1 magic bytes: cut short?");
      }
      ByteBuffer length = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
      readFully(bytes, length, size - 8);
      int footerLength = length.getInt(0);
      if (footerLength <= 0 || footerLength > size - 12) {
        throw damagedFooter(name, "its length field says " + footerLength + " bytes, the file has "
            + size);
      }
      ByteBuffer footer = ByteBuffer.allocate(footerLength);
      readFully(bytes, footer, size - 8 - footerLength);
      FileMetaData metadata = parse(footer.array(), name);
      FooterCheck.check(metadata, size, name);
      return new Read(of(metadata), footer.array());
    } catch (IOException e) {
      throw notParquet(name, "unreadable footer: " + e.getMessage());
    }
  }

  /**
   * The thrift parser's messages name its Java classes: the client hears only that the footer
   * does not parse. A footer that parses but lacks the parts every Parquet writer writes is
   * damaged too.
   */
  private static FileMetaData parse(byte[] footer, String name) {
    FileMetaData metadata;
    try {
      metadata = Util.readFileMetaData(new ByteArrayInputStream(footer));
    } catch (IOException | RuntimeException e) {
      throw damagedFooter(name, "it does not parse");
    }
    if (metadata.getSchemaSize() == 0 || metadata.getRow_groups() == null) {
      throw damagedFooter(name, "it has no schema or no row group list");
    }
    for (org.apache.parquet.format.RowGroup group : metadata.getRow_groups()) {
      if (group.getColumns() == null) {
        throw damagedFooter(name, "a row group has no column list");
      }
    }
    return metadata;
  }

  private static RuntimeException damagedFooter(String name, String why) {
    return Errors.invalid("%s is damaged: its Parquet footer is unreadable (%s); write the object "
        + "again", name, why);
  }

  private static ParquetFooter of(FileMetaData metadata) {
    Map<List<String>, Long> bytes = new HashMap<>();
    List<RowGroup> groups = new ArrayList<>();
    long rows = 0;
    for (org.apache.parquet.format.RowGroup group : metadata.getRow_groups()) {
      Map<String, ColumnStats> stats = new HashMap<>();
      for (ColumnChunk chunk : group.getColumns()) {
        if (!chunk.isSetMeta_data()) {
          continue;
        }
        ColumnMetaData column = chunk.getMeta_data();
        String name = column.getPath_in_schema().get(0);
        bytes.merge(List.copyOf(column.getPath_in_schema()), column.getTotal_uncompressed_size(),
            Long::sum);
        if (column.getPath_in_schema().size() == 1 && column.isSetStatistics()) {
          stats.put(name, stats(column.getStatistics(), column.getType()));
        }
      }
      groups.add(new RowGroup(group.getNum_rows(), Map.copyOf(stats)));
      rows += group.getNum_rows();
    }
    return new ParquetFooter(rows, Map.copyOf(bytes), List.copyOf(groups));
  }

  /**
   * Only min_value and max_value are trusted for every type; the older min and max fields were
   * written with signed byte order, which is right for numbers only.
   */
  private static ColumnStats stats(Statistics statistics, Type type) {
    byte[] min = statistics.isSetMin_value() ? statistics.getMin_value() : null;
    byte[] max = statistics.isSetMax_value() ? statistics.getMax_value() : null;
    boolean numeric = type == Type.INT32 || type == Type.INT64 || type == Type.FLOAT
        || type == Type.DOUBLE;
    if (numeric && min == null && max == null && statistics.isSetMin() && statistics.isSetMax()) {
      min = statistics.getMin();
      max = statistics.getMax();
    }
    long nulls = statistics.isSetNull_count() ? statistics.getNull_count() : -1;
    return new ColumnStats(min, max, nulls, type);
  }

  private static boolean hasMagic(ObjectBytes bytes, long position, byte[] expected)
      throws IOException {
    ByteBuffer magic = ByteBuffer.allocate(4);
    readFully(bytes, magic, position);
    return ByteBuffer.wrap(expected).equals(magic);
  }

  private static void readFully(ObjectBytes bytes, ByteBuffer buffer, long position)
      throws IOException {
    bytes.read(buffer, position);
    buffer.rewind();
  }

  private static RuntimeException notParquet(String name, String why) {
    return Errors.invalid("%s is not a Parquet file (%s); point the ticket at a .parquet object",
        name, why);
  }
}
