package io.istziio.server.filter;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.TransferPair;

/**
 * Copies the rows a {@link BatchFilter} selected, and only the projected columns, out of a cached
 * batch into a batch of the caller's, so that the cached one stays untouched and shared.
 *
 * <p>Any column type is copied, nested ones (struct, list, map) included, with Arrow's own
 * per-value copy. A dictionary-encoded column is copied as its index vector: the target field keeps
 * the dictionary encoding and the caller must send the dictionaries (the source's provider) along
 * with the batch.
 *
 * <p>Typical DoGet use: {@code target = FilteredBatches.allocate(fileSchema, projection, allocator)}
 * once per stream, {@code listener.start(target)}, then for each cached batch
 * {@code FilteredBatches.fill(batch, filter.select(batch), projection, target)} and
 * {@code listener.putNext()}; close the target at the end.
 */
public final class FilteredBatches {

  private FilteredBatches() {}

  /** The schema of the projected columns, in projection order. */
  public static Schema project(Schema fileSchema, List<Integer> projection) {
    List<Field> fields = new ArrayList<>(projection.size());
    for (int index : projection) {
      if (index < 0 || index >= fileSchema.getFields().size()) {
        throw new IllegalArgumentException("projection names column " + index + " of a file with "
            + fileSchema.getFields().size() + " columns");
      }
      fields.add(fileSchema.getFields().get(index));
    }
    return new Schema(fields, fileSchema.getCustomMetadata());
  }

  /** An empty batch of the projected columns, allocated from {@code allocator}; the caller closes it. */
  public static VectorSchemaRoot allocate(Schema fileSchema, List<Integer> projection,
      BufferAllocator allocator) {
    return VectorSchemaRoot.create(project(fileSchema, projection), allocator);
  }

  /**
   * A new batch holding the given rows and columns of {@code source}; the caller closes it.
   *
   * @see #fill
   */
  public static VectorSchemaRoot copy(VectorSchemaRoot source, int[] rows,
      List<Integer> projection, BufferAllocator allocator) {
    VectorSchemaRoot target = allocate(source.getSchema(), projection, allocator);
    try {
      fill(source, rows, projection, target);
      return target;
    } catch (RuntimeException e) {
      target.close();
      throw e;
    }
  }

  /**
   * Replaces the contents of {@code target} with rows {@code rows} (in that order) of the
   * projected columns of {@code source}. Target buffers are reused when large enough, else
   * reallocated from the target's allocator.
   *
   * @param source a batch of every column of the file, in file order; only read
   * @param rows positions in {@code source}, as {@link BatchFilter#select} gives them
   * @param projection indexes of the file's columns, in output order
   * @param target a batch whose columns are the projected ones, e.g. from {@link #allocate}
   * @throws IllegalArgumentException if a row is out of range or target does not match the
   *     projection; on error target's contents are undefined but it stays closable
   */
  public static void fill(VectorSchemaRoot source, int[] rows, List<Integer> projection,
      VectorSchemaRoot target) {
    int available = source.getRowCount();
    for (int row : rows) {
      if (row < 0 || row >= available) {
        throw new IllegalArgumentException("row " + row + " is outside the batch's " + available
            + " rows");
      }
    }
    List<FieldVector> targets = target.getFieldVectors();
    if (targets.size() != projection.size()) {
      throw new IllegalArgumentException("target has " + targets.size() + " columns; the "
          + "projection has " + projection.size());
    }
    for (int k = 0; k < projection.size(); k++) {
      FieldVector from = source.getVector(projection.get(k));
      FieldVector to = targets.get(k);
      if (!from.getField().equals(to.getField())) {
        throw new IllegalArgumentException("target column " + k + " is " + to.getField()
            + "; projection gives " + from.getField());
      }
      if (to.getValueCapacity() < rows.length) {
        to.clear();
        to.setInitialCapacity(rows.length);
        to.allocateNew();
      } else {
        to.reset();
      }
      // One pair per column and batch: struct's own copyFromSafe would make one per value.
      TransferPair pair = from.makeTransferPair(to);
      for (int i = 0; i < rows.length; i++) {
        pair.copyValueSafe(rows[i], i);
      }
      to.setValueCount(rows.length);
    }
    target.setRowCount(rows.length);
  }
}
