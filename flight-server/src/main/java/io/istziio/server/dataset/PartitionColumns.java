package io.istziio.server.dataset;

import io.istziio.client.protocol.ReadTicket.PartitionValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;

/**
 * A file's partition values as constant columns beside the file's own, for one stream: the
 * stream's root holds the file's vectors (as the scanner or the memory tier fills them, untouched:
 * a memory hit's buffers stay zero-copy) and these. The constants are written once for each batch
 * size, not per batch: a stream's batches are all one size but the last. Refilling drops the old
 * buffers (a transport still writing them holds its own reference) and writes new ones.
 */
public final class PartitionColumns implements AutoCloseable {

  private final List<PartitionValue> values;
  private final List<FieldVector> vectors = new ArrayList<>();
  private int rows = -1;

  /** @param allocator for the constant columns, which this closes */
  public PartitionColumns(List<PartitionValue> values, BufferAllocator allocator) {
    this.values = values;
    for (PartitionValue value : values) {
      vectors.add(field(value).createVector(allocator));
    }
  }

  /** The Arrow field of a partition column: nullable int32 or utf8. */
  public static Field field(PartitionValue value) {
    ArrowType type = PartitionValue.INT32.equals(value.type()) ? new ArrowType.Int(32, true)
        : ArrowType.Utf8.INSTANCE;
    return new Field(value.name(), FieldType.nullable(type), null);
  }

  /**
   * The stream's root: the file root's vectors and the constants, in {@code layout}'s order.
   * Close this object, not the returned root (the file's vectors belong to their reader).
   *
   * @param layout by output column: the index of a partition value, or -1 for the file root's
   *     next vector
   */
  public VectorSchemaRoot wrap(VectorSchemaRoot file, int[] layout) {
    List<FieldVector> columns = new ArrayList<>();
    int next = 0;
    for (int position : layout) {
      columns.add(position < 0 ? file.getVector(next++) : vectors.get(position));
    }
    List<Field> fields = columns.stream().map(FieldVector::getField).toList();
    return new VectorSchemaRoot(fields, columns, file.getRowCount());
  }

  /** Makes the constants {@code count} rows long and sets {@code root}'s row count. */
  public void fill(VectorSchemaRoot root, int count) {
    if (count != rows) {
      for (int i = 0; i < values.size(); i++) {
        fill(vectors.get(i), values.get(i).value(), count);
      }
      rows = count;
    }
    root.setRowCount(count);
  }

  private static void fill(FieldVector vector, String value, int count) {
    vector.clear();
    if (vector instanceof IntVector ints) {
      ints.allocateNew(count);
      if (value != null) {
        int constant = Integer.parseInt(value);
        for (int i = 0; i < count; i++) {
          ints.set(i, constant);
        }
      }
    } else {
      VarCharVector strings = (VarCharVector) vector;
      byte[] bytes = value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8);
      strings.allocateNew((long) bytes.length * count, count);
      if (value != null) {
        for (int i = 0; i < count; i++) {
          strings.set(i, bytes);
        }
      }
    }
    vector.setValueCount(count);
  }

  @Override
  public void close() {
    vectors.forEach(FieldVector::close);
  }
}
