package io.istziio.server.memory;

import io.istziio.server.cache.CacheKey;
import io.istziio.server.parquet.ParquetFile;
import io.istziio.server.parquet.ParquetFooter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.ReferenceManager;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.message.ArrowFieldNode;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A Parquet file decoded once into Arrow record batches, shared read-only by every stream that
 * serves it. Each batch keeps its columns as separate IPC bodies (field nodes and buffers), so a
 * projection is a concatenation of the chosen columns' bodies: no copy, no decode.
 *
 * <p>Reference counted like the disk tier's files: the memory tier holds one reference while the
 * file is admitted, every stream holds one while it sends; the last one drops the file's own
 * references to its buffers. A buffer is freed once the transport has written the last message
 * holding it, which may be a little later: the tier's allocator, closed when the node stops,
 * fails loudly on a leak.
 */
public final class DecodedFile {

  /** One record batch: its rows, the whole batch (for filters), and each column's IPC body. */
  public record Batch(int rows, VectorSchemaRoot root, List<ArrowRecordBatch> columns) {

    /**
     * The IPC body of the given columns, in that order, sharing this batch's buffers; the caller
     * closes it (which only drops its references).
     *
     * @param columns positions in the file's schema
     */
    public ArrowRecordBatch project(int[] columns) {
      List<ArrowFieldNode> nodes = new ArrayList<>();
      List<ArrowBuf> buffers = new ArrayList<>();
      for (int column : columns) {
        nodes.addAll(this.columns.get(column).getNodes());
        buffers.addAll(this.columns.get(column).getBuffers());
      }
      return new ArrowRecordBatch(rows, nodes, buffers); // retains each buffer once
    }
  }

  private final CacheKey key;
  private final Schema schema;
  private final List<Batch> batches;
  private final BufferAllocator allocator;
  private final long bytes;
  private final long rows;
  private final ParquetFooter footer;
  /** The row group each batch comes from; null if some batch spans two (never, from Arrow's reader). */
  private final int[] batchGroups;
  private final AtomicInteger refs = new AtomicInteger(1);

  /**
   * Takes ownership of the batches' roots, whose buffers must all live in {@code allocator} (the
   * tier's); the file starts with one reference, held by its maker.
   */
  DecodedFile(CacheKey key, Schema schema, ParquetFooter footer, List<VectorSchemaRoot> roots,
      BufferAllocator allocator) {
    this.key = key;
    this.footer = footer;
    this.schema = schema;
    this.allocator = allocator;
    List<Batch> made = new ArrayList<>(roots.size());
    long total = 0;
    for (VectorSchemaRoot root : roots) {
      List<ArrowRecordBatch> columns = new ArrayList<>(root.getFieldVectors().size());
      for (FieldVector vector : root.getFieldVectors()) {
        VectorSchemaRoot one = new VectorSchemaRoot(List.of(vector.getField()), List.of(vector),
            root.getRowCount());
        columns.add(new VectorUnloader(one).getRecordBatch());
      }
      made.add(new Batch(root.getRowCount(), root, List.copyOf(columns)));
      total += root.getRowCount();
    }
    this.batches = List.copyOf(made);
    this.rows = total;
    this.batchGroups = batchGroups(made, footer);
    this.bytes = accountedBytes(made);
  }

  private static int[] batchGroups(List<Batch> batches, ParquetFooter footer) {
    int[] groups = new int[batches.size()];
    int group = 0;
    long groupStart = 0;
    long row = 0;
    for (int i = 0; i < groups.length; i++) {
      while (group < footer.groups().size()
          && row >= groupStart + footer.groups().get(group).rows()) {
        groupStart += footer.groups().get(group++).rows();
      }
      long end = row + batches.get(i).rows();
      if (group == footer.groups().size() || end > groupStart + footer.groups().get(group).rows()) {
        return null;
      }
      groups[i] = group;
      row = end;
    }
    return groups;
  }

  /**
   * The row group each batch was decoded from, by batch; null when the batches do not follow the
   * row groups (so that a reader cannot skip by row group).
   */
  public int[] batchGroups() {
    return batchGroups;
  }

  /** The bytes the batches' buffers take, each allocation counted once however many views it has. */
  private static long accountedBytes(List<Batch> batches) {
    Set<ReferenceManager> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    long total = 0;
    for (Batch batch : batches) {
      for (ArrowRecordBatch column : batch.columns()) {
        for (ArrowBuf buffer : column.getBuffers()) {
          if (seen.add(buffer.getReferenceManager())) {
            total += buffer.getReferenceManager().getAccountedSize();
          }
        }
      }
    }
    return total;
  }

  public CacheKey key() {
    return key;
  }

  public Schema schema() {
    return schema;
  }

  public List<Batch> batches() {
    return batches;
  }

  public long rows() {
    return rows;
  }

  /** The footer of the Parquet file it was decoded from. */
  public ParquetFooter footer() {
    return footer;
  }

  /** Bytes of Arrow memory the batches hold. */
  public long bytes() {
    return bytes;
  }

  /** The allocator holding the batches; streams load views of them into vectors of it. */
  public BufferAllocator allocator() {
    return allocator;
  }

  /** Whether each of {@code columns} is a top-level column of the file; true for null (all). */
  public boolean hasColumns(List<String> columns) {
    return columns == null || columns.stream().allMatch(column -> schema.getFields().stream()
        .anyMatch(field -> field.getName().equals(column)));
  }

  /**
   * The position of each named column in the file's schema, in the order given; every column when
   * {@code columns} is null.
   *
   * @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT for an unknown column
   */
  public int[] positions(List<String> columns) {
    List<Field> fields = schema.getFields();
    if (columns == null) {
      int[] all = new int[fields.size()];
      for (int i = 0; i < all.length; i++) {
        all[i] = i;
      }
      return all;
    }
    int[] positions = new int[columns.size()];
    for (int i = 0; i < positions.length; i++) {
      positions[i] = -1;
      for (int j = 0; j < fields.size(); j++) {
        if (fields.get(j).getName().equals(columns.get(i))) {
          positions[i] = j;
          break;
        }
      }
      if (positions[i] < 0) {
        throw ParquetFile.unknownColumn(columns.get(i), key.path(), schema);
      }
    }
    return positions;
  }

  /** Takes a reference unless the file is already freed; a stream calls it before sending. */
  public boolean tryRetain() {
    while (true) {
      int current = refs.get();
      if (current <= 0) {
        return false;
      }
      if (refs.compareAndSet(current, current + 1)) {
        return true;
      }
    }
  }

  /** Drops a reference; the last one frees the batches. */
  public void release() {
    int left = refs.decrementAndGet();
    if (left == 0) {
      List<AutoCloseable> owned = new ArrayList<>();
      for (Batch batch : batches) {
        owned.addAll(batch.columns());
        owned.add(batch.root());
      }
      AutoCloseables.closeNoChecked(() -> AutoCloseables.close(owned));
    } else if (left < 0) {
      throw new IllegalStateException("released more often than retained: " + key);
    }
  }
}
