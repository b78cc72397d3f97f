package io.istziio.server.filter;

import io.istziio.server.filter.BoundFilter.Field;
import io.istziio.server.filter.Filter.Op;
import io.istziio.server.parquet.ParquetFooter;
import io.istziio.server.parquet.ParquetFooter.ColumnStats;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.parquet.format.Type;

/**
 * Decides from a row group's min/max/null-count statistics whether a filter can match any of its
 * rows, the same test Arrow's Parquet reader makes before it decodes a row group. The node uses it
 * to report how many row groups the filter let the scanner skip. It errs towards "may match":
 * without statistics nothing is skipped.
 */
public final class RowGroupPruner {

  private RowGroupPruner() {}

  /**
   * What the statistics say of a file's row groups.
   *
   * @param skipped row groups no row of which can satisfy the filter; -1 when unknown
   * @param rowsScanned rows in the other row groups; -1 when unknown
   */
  public record Pruning(int skipped, long rowsScanned) {

    public static final Pruning UNKNOWN = new Pruning(-1, -1);

    /** Nothing is skipped: every row is read. */
    public static Pruning none(ParquetFooter footer) {
      return new Pruning(0, footer.rows());
    }

    /** The counts of {@link RowGroupPruner#ruledOut}'s answer for this footer. */
    public static Pruning of(boolean[] ruledOut, ParquetFooter footer) {
      int skipped = 0;
      long rows = 0;
      for (int i = 0; i < ruledOut.length; i++) {
        if (ruledOut[i]) {
          skipped++;
        } else {
          rows += footer.groups().get(i).rows();
        }
      }
      return new Pruning(skipped, rows);
    }
  }

  /** Which row groups of the file the filter rules out, in one pass over the footer. */
  public static Pruning prune(BoundFilter filter, ParquetFooter footer) {
    return Pruning.of(ruledOut(filter, footer), footer);
  }

  /** By row group, whether no row of it can satisfy the filter. */
  public static boolean[] ruledOut(BoundFilter filter, ParquetFooter footer) {
    boolean[] ruledOut = new boolean[footer.groups().size()];
    if (readsFloats(filter)) {
      return ruledOut;
    }
    for (int i = 0; i < ruledOut.length; i++) {
      ruledOut[i] = !mayMatch(filter, footer.groups().get(i), false);
    }
    return ruledOut;
  }

  /**
   * Whether the filter reads a floating-point column. Statistics leave NaN out, and NaN satisfies
   * != and the negation of every comparison (pyarrow.compute's answer), so such a filter may match
   * rows of any row group whatever its min and max: it rules none out.
   */
  public static boolean readsFloats(BoundFilter filter) {
    return BoundFilter.fields(filter).stream().anyMatch(RowGroupPruner::isFloat);
  }

  private static boolean isFloat(Field field) {
    return field.kind() == ColumnKind.FLOAT;
  }

  /** Whether some row may satisfy the filter ({@code negated}: its negation). */
  static boolean mayMatch(BoundFilter filter, ParquetFooter.RowGroup group, boolean negated) {
    if (filter instanceof BoundFilter.And and) {
      // NOT (a AND b) = NOT a OR NOT b
      return negated
          ? and.operands().stream().anyMatch(f -> mayMatch(f, group, true))
          : and.operands().stream().allMatch(f -> mayMatch(f, group, false));
    }
    if (filter instanceof BoundFilter.Or or) {
      return negated
          ? or.operands().stream().allMatch(f -> mayMatch(f, group, true))
          : or.operands().stream().anyMatch(f -> mayMatch(f, group, false));
    }
    if (filter instanceof BoundFilter.Not not) {
      return mayMatch(not.operand(), group, !negated);
    }
    if (filter instanceof BoundFilter.IsNull isNull) {
      ColumnStats stats = group.columns().get(isNull.field().name());
      if (stats == null || stats.nullCount() < 0) {
        return true;
      }
      return isNull.negated() != negated ? stats.nullCount() < group.rows() : stats.nullCount() > 0;
    }
    if (!(filter instanceof BoundFilter.Compare || filter instanceof BoundFilter.In
        || filter instanceof BoundFilter.Between || filter instanceof BoundFilter.IsTrue)) {
      return true; // column against column: statistics cannot say
    }
    Range range = range(fieldOf(filter), group);
    if (range == null) {
      return true;
    }
    if (range.allNull()) {
      return false; // every comparison with null is null, and so is its negation
    }
    if (range.min() == null || range.max() == null) {
      return true;
    }
    if (filter instanceof BoundFilter.Compare compare) {
      return range.mayHold(negated ? compare.op().negated() : compare.op(), comparable(compare.field(), compare.value()));
    }
    if (filter instanceof BoundFilter.In in) {
      if (negated) { // every row differs from the list unless the chunk holds a single listed value
        return in.values().stream().noneMatch(v -> range.onlyValueIs(comparable(in.field(), v)));
      }
      return in.values().stream().anyMatch(v -> range.mayHold(Op.EQ, comparable(in.field(), v)));
    }
    if (filter instanceof BoundFilter.Between between) {
      Comparable<Object> low = comparable(between.field(), between.low());
      Comparable<Object> high = comparable(between.field(), between.high());
      return negated
          ? range.mayHold(Op.LT, low) || range.mayHold(Op.GT, high)
          : range.mayHold(Op.GE, low) && range.mayHold(Op.LE, high);
    }
    // A boolean column on its own: true somewhere needs max = true; false somewhere, min = false.
    return range.mayHold(Op.EQ, comparable(fieldOf(filter), !negated));
  }

  private static Field fieldOf(BoundFilter filter) {
    if (filter instanceof BoundFilter.Compare compare) {
      return compare.field();
    }
    if (filter instanceof BoundFilter.In in) {
      return in.field();
    }
    if (filter instanceof BoundFilter.Between between) {
      return between.field();
    }
    return ((BoundFilter.IsTrue) filter).field();
  }

  /** The values a column chunk holds, as far as its statistics tell. */
  private record Range(Comparable<Object> min, Comparable<Object> max, boolean allNull) {

    /** Whether some value v in [min, max] may satisfy "v op value". */
    boolean mayHold(Op op, Comparable<Object> value) {
      return switch (op) {
        case EQ -> min.compareTo(value) <= 0 && max.compareTo(value) >= 0;
        case NE -> !onlyValueIs(value);
        case LT -> min.compareTo(value) < 0;
        case LE -> min.compareTo(value) <= 0;
        case GT -> max.compareTo(value) > 0;
        case GE -> max.compareTo(value) >= 0;
      };
    }

    boolean onlyValueIs(Comparable<Object> value) {
      return min.compareTo(value) == 0 && max.compareTo(value) == 0;
    }
  }

  private static Range range(Field field, ParquetFooter.RowGroup group) {
    ColumnStats stats = group.columns().get(field.name());
    if (stats == null) {
      return null;
    }
    boolean allNull = stats.nullCount() >= 0 && stats.nullCount() == group.rows();
    Comparable<Object> min = decode(field, stats.min(), stats.physicalType());
    Comparable<Object> max = decode(field, stats.max(), stats.physicalType());
    return new Range(min, max, allNull);
  }

  /** A statistics value in the same comparable form as {@link #comparable}; null if unknown. */
  private static Comparable<Object> decode(Field field, byte[] bytes, Type physical) {
    if (bytes == null) {
      return null;
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    Object value;
    switch (field.kind()) {
      case INTEGER, TIMESTAMP, DATE -> {
        if (physical == Type.INT32 && bytes.length == 4) {
          value = field.kind() == ColumnKind.DATE ? (Object) buffer.getInt() : (Object) (long) buffer.getInt();
        } else if (physical == Type.INT64 && bytes.length == 8 && field.kind() != ColumnKind.DATE) {
          value = buffer.getLong();
        } else {
          return null; // e.g. INT96 timestamps
        }
      }
      case FLOAT -> {
        double number = physical == Type.FLOAT && bytes.length == 4 ? buffer.getFloat()
            : physical == Type.DOUBLE && bytes.length == 8 ? buffer.getDouble() : Double.NaN;
        if (Double.isNaN(number)) {
          return null;
        }
        value = number;
      }
      case DECIMAL -> {
        int scale = ((ArrowType.Decimal) field.type()).getScale();
        BigInteger unscaled = switch (physical) {
          case INT32 -> BigInteger.valueOf(buffer.getInt());
          case INT64 -> BigInteger.valueOf(buffer.getLong());
          default -> new BigInteger(bytes); // big-endian two's complement
        };
        value = new BigDecimal(unscaled, scale);
      }
      case STRING -> value = new Utf8(bytes);
      case BOOLEAN -> value = bytes.length > 0 && bytes[0] != 0;
      default -> {
        return null;
      }
    }
    return cast(value);
  }

  /** A bound filter value in comparable form. */
  private static Comparable<Object> comparable(Field field, Object value) {
    return field.kind() == ColumnKind.STRING
        ? cast(new Utf8(((String) value).getBytes(StandardCharsets.UTF_8)))
        : cast(value);
  }

  @SuppressWarnings("unchecked")
  private static Comparable<Object> cast(Object value) {
    return (Comparable<Object>) value;
  }

  /** UTF-8 bytes ordered as Parquet orders strings: unsigned, byte by byte. */
  private record Utf8(byte[] bytes) implements Comparable<Utf8> {
    @Override
    public int compareTo(Utf8 other) {
      return Arrays.compareUnsigned(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Utf8 utf8 && Arrays.equals(bytes, utf8.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }
  }
}
