package io.istziio.client.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A deterministic sample table: row {@code i} of every file holds values computed from {@code i}
 * alone, so a reader can check each row it gets without keeping a copy. Several types, with nulls,
 * and one row group per {@code rowsPerGroup} rows.
 */
public final class SampleData {

  public static final Schema SCHEMA = new Schema(List.of(
      Field.notNullable("id", new ArrowType.Int(64, true)),
      Field.nullable("small", new ArrowType.Int(32, true)),
      Field.notNullable("score", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
      Field.nullable("name", ArrowType.Utf8.INSTANCE),
      Field.notNullable("flag", ArrowType.Bool.INSTANCE),
      new Field("day", FieldType.notNullable(new ArrowType.Date(DateUnit.DAY)), null),
      new Field("ts", FieldType.notNullable(new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC")), null),
      Field.nullable("unit price", new ArrowType.Decimal(12, 2, 128))));

  /** 2024-01-01T00:00:00Z in microseconds; row i is 37 seconds after row i - 1. */
  private static final long TS_START_MICROS = 1_704_067_200_000_000L;

  private SampleData() {}

  public static long id(long row) {
    return row;
  }

  /** Null on every seventh row. */
  public static Integer small(long row) {
    return row % 7 == 3 ? null : (int) (row % 1000) - 500;
  }

  public static double score(long row) {
    return row * 0.25;
  }

  /** Null on every fifth row. */
  public static String name(long row) {
    return row % 5 == 1 ? null : "name-" + row;
  }

  public static boolean flag(long row) {
    return row % 3 == 0;
  }

  public static int day(long row) {
    return (int) (row % 20_000);
  }

  /** Microseconds since 1970 (UTC): 2024-01-01T00:00:00Z plus 37 seconds a row. */
  public static long ts(long row) {
    return TS_START_MICROS + row * 37_000_000L;
  }

  /** A price between 0.00 and 999.99; null on every eleventh row. */
  public static BigDecimal unitPrice(long row) {
    return row % 11 == 4 ? null : BigDecimal.valueOf((row * 7919) % 100_000, 2);
  }

  /** Writes {@code rows} rows to a new Parquet file, {@code rowsPerGroup} rows per row group. */
  public static void write(Path file, long rows, int rowsPerGroup) {
    try (BufferAllocator allocator = new RootAllocator()) {
      ParquetFiles.write(file, allocator, new Generator(allocator, rows, rowsPerGroup));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** Makes the batches on demand, so a large file never sits in memory whole. */
  private static final class Generator extends GeneratedBatches {
    private final long rows;
    private final int rowsPerBatch;
    private long next;

    Generator(BufferAllocator allocator, long rows, int rowsPerBatch) {
      super(allocator, SCHEMA);
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
      BigIntVector id = (BigIntVector) root.getVector("id");
      IntVector small = (IntVector) root.getVector("small");
      Float8Vector score = (Float8Vector) root.getVector("score");
      VarCharVector name = (VarCharVector) root.getVector("name");
      BitVector flag = (BitVector) root.getVector("flag");
      DateDayVector day = (DateDayVector) root.getVector("day");
      TimeStampMicroTZVector ts = (TimeStampMicroTZVector) root.getVector("ts");
      DecimalVector price = (DecimalVector) root.getVector("unit price");
      for (var vector : root.getFieldVectors()) {
        vector.setInitialCapacity(count);
      }
      root.allocateNew();
      for (int i = 0; i < count; i++) {
        long row = next + i;
        id.setSafe(i, id(row));
        Integer smallValue = small(row);
        if (smallValue == null) {
          small.setNull(i);
        } else {
          small.setSafe(i, smallValue);
        }
        score.setSafe(i, score(row));
        String nameValue = name(row);
        if (nameValue == null) {
          name.setNull(i);
        } else {
          name.setSafe(i, nameValue.getBytes(StandardCharsets.UTF_8));
        }
        flag.setSafe(i, flag(row) ? 1 : 0);
        day.setSafe(i, day(row));
        ts.setSafe(i, ts(row));
        BigDecimal priceValue = unitPrice(row);
        if (priceValue == null) {
          price.setNull(i);
        } else {
          price.setSafe(i, priceValue);
        }
      }
      root.setRowCount(count);
      next += count;
      return true;
    }

  }
}
