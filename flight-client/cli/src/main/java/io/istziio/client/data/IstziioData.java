package io.istziio.client.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Files shaped like the ISTZIO benchmark's: 20 float64 columns {@code c0..c19} of uniform random
 * values in [0, 1). Random doubles do not compress, so a file's size follows its row count:
 * {@link #ROWS_1MB} rows make 1.06 MB of Parquet, {@link #ROWS_100MB} 104 MB of values (128 MB
 * on disk: Arrow's dataset writer cuts 32,768-row groups and dictionary-encodes each, which costs
 * a quarter more on values that never repeat). Every value is a hash of (seed, file, row,
 * column), so a reader can check any row without a copy.
 */
public final class IstziioData {

  public static final int COLUMNS = 20;
  public static final long ROWS_1MB = 5_500;
  public static final long ROWS_100MB = 650_000;
  public static final Schema SCHEMA = schema(COLUMNS);

  private IstziioData() {}

  /** The first {@code columns} columns c0, c1, ... of the shape. */
  public static Schema schema(int columns) {
    List<Field> fields = new ArrayList<>();
    for (int c = 0; c < columns; c++) {
      fields.add(Field.notNullable("c" + c,
          new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)));
    }
    return new Schema(fields);
  }

  /** The value of column {@code column} in row {@code row} of file {@code file}. */
  public static double value(long seed, long file, long row, int column) {
    long h = mix(mix(mix(mix(seed) ^ file) ^ row) ^ column);
    return (h >>> 11) * 0x1.0p-53;
  }

  /** SplitMix64's finalizer: every input bit affects every output bit. */
  private static long mix(long z) {
    z += 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Writes file number {@code file} of a dataset, a row group per {@code rowsPerGroup} rows. */
  public static void write(Path path, long seed, long file, long rows, int rowsPerGroup)
      throws IOException {
    write(path, seed, file, rows, rowsPerGroup, COLUMNS);
  }

  /** As {@link #write(Path, long, long, long, int)}, with only the first {@code columns} columns. */
  public static void write(Path path, long seed, long file, long rows, int rowsPerGroup, int columns)
      throws IOException {
    if (columns < 1 || columns > COLUMNS) {
      throw new IllegalArgumentException("columns must be 1 to " + COLUMNS + ", got " + columns);
    }
    try (BufferAllocator allocator = new RootAllocator()) {
      ParquetFiles.write(path, allocator,
          new Generator(allocator, seed, file, rows, rowsPerGroup, columns));
    }
  }

  /** Makes the batches on demand, so a 100 MB file never sits in memory whole. */
  private static final class Generator extends GeneratedBatches {
    private final long seed;
    private final long file;
    private final long rows;
    private final int rowsPerBatch;
    private final int columns;
    private long next;

    Generator(BufferAllocator allocator, long seed, long file, long rows, int rowsPerBatch,
        int columns) {
      super(allocator, schema(columns));
      this.columns = columns;
      this.seed = seed;
      this.file = file;
      this.rows = rows;
      this.rowsPerBatch = rowsPerBatch;
    }

    @Override
    public boolean loadNextBatch() throws IOException {
      if (next >= rows) {
        return false;
      }
      VectorSchemaRoot root = getVectorSchemaRoot();
      int count = (int) Math.min(rowsPerBatch, rows - next);
      for (int c = 0; c < columns; c++) {
        Float8Vector vector = (Float8Vector) root.getVector(c);
        vector.allocateNew(count);
        for (int i = 0; i < count; i++) {
          vector.set(i, value(seed, file, next + i, c));
        }
        vector.setValueCount(count);
      }
      root.setRowCount(count);
      next += count;
      return true;
    }

  }
}
