package io.istziio.server.dataset;

import io.istziio.client.protocol.ReadTicket;
import io.istziio.client.protocol.ReadTicket.PartitionValue;
import io.istziio.server.Errors;
import io.istziio.server.filter.RowFilter;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A file ticket with {@code partition}, split into what the file's own read needs and what is
 * appended to it.
 *
 * @param file the ticket of the file's own columns: {@code columns} without the partition
 *     columns (null for all), no filter text, no partition
 * @param filter the ticket's filter with the partition values put in (see
 *     {@link PartitionFilter}): null when every row passes; an outside Substrait expression as it is
 * @param none whether the filter rules out every row of the file
 * @param partition the partition columns, in the ticket's order
 * @param layout by output column: the index of a partition value, or -1 for the file read's next
 *     column
 */
public record PartitionedRead(ReadTicket file, RowFilter filter, boolean none,
    List<PartitionValue> partition, int[] layout) {

  /**
   * @param filter the ticket's filter as parsed, or null
   * @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT for a filter that uses
   *     a partition column wrongly
   */
  public static PartitionedRead of(ReadTicket request, RowFilter filter) {
    List<PartitionValue> partition = request.partition();
    List<String> names = partition.stream().map(PartitionValue::name).toList();
    List<String> fileColumns = null;
    List<Integer> layout = new ArrayList<>();
    if (request.columns() == null) {
      for (int i = 0; i < partition.size(); i++) {
        layout.add(i);
      }
    } else {
      fileColumns = new ArrayList<>();
      for (String column : request.columns()) {
        int position = names.indexOf(column);
        layout.add(position);
        if (position < 0) {
          fileColumns.add(column);
        }
      }
    }
    RowFilter residual = filter;
    boolean none = false;
    if (filter != null && filter.isParsed()) {
      PartitionFilter.Folded folded = PartitionFilter.fold(filter.parsed(), partition);
      none = folded.none();
      residual = folded.residual() == null ? null : RowFilter.of(folded.residual());
    }
    ReadTicket file = new ReadTicket(request.path(), fileColumns, null, filter != null
        && !filter.isParsed() ? request.substrait() : null, request.version());
    return new PartitionedRead(file, residual, none, partition,
        layout.stream().mapToInt(Integer::intValue).toArray());
  }

  /** When the columns are all the file's: its columns first, then the partition columns. */
  public int[] layout(int fileColumns) {
    if (file.columns() != null) {
      return layout;
    }
    int[] all = new int[fileColumns + layout.length];
    for (int i = 0; i < fileColumns; i++) {
      all[i] = -1;
    }
    System.arraycopy(layout, 0, all, fileColumns, layout.length);
    return all;
  }

  /**
   * The stream's schema from the schema of the file's own columns.
   *
   * @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT when a partition
   *     column has the name of one of the file's columns
   */
  public Schema schema(Schema fileSchema) {
    for (PartitionValue value : partition) {
      if (file.columns() == null && fileSchema.getFields().stream()
          .anyMatch(f -> f.getName().equals(value.name()))) {
        throw Errors.invalid("%s has a column \"%s\", which is also a partition column; rename "
            + "the partition directory or read with \"partitioning\": \"none\"", file.path(),
            Errors.shorten(value.name()));
      }
    }
    List<Field> fields = new ArrayList<>();
    int next = 0;
    for (int position : layout(fileSchema.getFields().size())) {
      fields.add(position < 0 ? fileSchema.getFields().get(next++)
          : PartitionColumns.field(partition.get(position)));
    }
    return new Schema(fields, fileSchema.getCustomMetadata());
  }

  /** The constant columns for one stream. */
  public PartitionColumns columns(BufferAllocator allocator) {
    return new PartitionColumns(partition, allocator);
  }
}
