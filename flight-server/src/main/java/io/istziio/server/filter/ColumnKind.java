package io.istziio.server.filter;

import java.util.Locale;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;

/** The families of column types a filter can compare, and how each is named to users. */
enum ColumnKind {
  /** Signed integers of 8 to 64 bits. */
  INTEGER,
  /** Unsigned integers of 8 to 64 bits. */
  UNSIGNED,
  /** float16, float32, float64. */
  FLOAT,
  DECIMAL,
  /** utf8 and large_utf8. */
  STRING,
  /** binary, large_binary and fixed_size_binary, ordered by their bytes. */
  BINARY,
  BOOLEAN,
  /** date32 (days) and date64 (milliseconds). */
  DATE,
  /** time32 and time64, in the column's unit since midnight. */
  TIME,
  TIMESTAMP,
  /** durations, in the column's unit. */
  DURATION,
  UNSUPPORTED;

  /**
   * The widest decimal the native scanner's Substrait reader takes: it reads every Substrait
   * decimal as Arrow's decimal128, and for a precision above 38 Arrow C++ aborts the process
   * ("Decimal precision out of range [1, 38]") instead of returning an error.
   */
  static final int MAX_DECIMAL_PRECISION = 38;

  /** A decimal too wide to appear anywhere in a Substrait expression the node hands to Arrow. */
  static boolean isWideDecimal(ArrowType type) {
    return type instanceof ArrowType.Decimal decimal && decimal.getPrecision() > MAX_DECIMAL_PRECISION;
  }

  static ColumnKind of(ArrowType type) {
    return switch (type.getTypeID()) {
      case Int -> ((ArrowType.Int) type).getIsSigned() ? INTEGER : UNSIGNED;
      case FloatingPoint -> FLOAT;
      case Decimal -> DECIMAL;
      case Utf8, LargeUtf8 -> STRING;
      case Binary, LargeBinary, FixedSizeBinary -> BINARY;
      case Bool -> BOOLEAN;
      case Date -> DATE;
      case Time -> TIME;
      case Timestamp -> TIMESTAMP;
      case Duration -> DURATION;
      default -> UNSUPPORTED;
    };
  }

  /**
   * Whether the native scanner may run a comparison of this type as {@link SubstraitWriter} writes
   * it, with the answer pyarrow.compute gives over the whole file. Not floats: Parquet statistics
   * leave NaN out and Arrow's scanner skips row groups by them, losing NaN rows under != and NOT.
   * Not unsigned integers, float16, binary, date64, times, durations or decimals over
   * {@value #MAX_DECIMAL_PRECISION} digits: Substrait has no such types, or Arrow's Substrait
   * reader does not map them (or aborts on them). Filters on these run in Java.
   */
  static boolean isNative(ArrowType type) {
    return switch (of(type)) {
      case INTEGER, STRING, BOOLEAN, TIMESTAMP -> true;
      case DECIMAL -> !isWideDecimal(type);
      case DATE -> ((ArrowType.Date) type).getUnit() == DateUnit.DAY;
      default -> false;
    };
  }

  /** A type as users know it: int32, uint16, float64, decimal(12,2), timestamp[us, UTC]... */
  static String describe(ArrowType type) {
    return switch (type.getTypeID()) {
      case Int -> (((ArrowType.Int) type).getIsSigned() ? "int" : "uint") + ((ArrowType.Int) type).getBitWidth();
      case FloatingPoint -> switch (((ArrowType.FloatingPoint) type).getPrecision()) {
        case HALF -> "float16";
        case SINGLE -> "float32";
        case DOUBLE -> "float64";
      };
      case Decimal -> (((ArrowType.Decimal) type).getBitWidth() == 256 ? "decimal256(" : "decimal(")
          + ((ArrowType.Decimal) type).getPrecision() + ","
          + ((ArrowType.Decimal) type).getScale() + ")";
      case Utf8 -> "string";
      case LargeUtf8 -> "large_string";
      case Binary -> "binary";
      case LargeBinary -> "large_binary";
      case FixedSizeBinary -> "fixed_size_binary[" + ((ArrowType.FixedSizeBinary) type).getByteWidth() + "]";
      case Bool -> "bool";
      case Date -> ((ArrowType.Date) type).getUnit() == DateUnit.DAY ? "date32" : "date64";
      case Time -> "time" + ((ArrowType.Time) type).getBitWidth() + "[" + unit(((ArrowType.Time) type).getUnit()) + "]";
      case Duration -> "duration[" + unit(((ArrowType.Duration) type).getUnit()) + "]";
      case Timestamp -> {
        ArrowType.Timestamp ts = (ArrowType.Timestamp) type;
        yield "timestamp[" + unit(ts.getUnit()) + (ts.getTimezone() != null ? ", " + ts.getTimezone() : "") + "]";
      }
      default -> type.getTypeID().name().toLowerCase(Locale.ROOT);
    };
  }

  private static String unit(TimeUnit unit) {
    return switch (unit) {
      case SECOND -> "s";
      case MILLISECOND -> "ms";
      case MICROSECOND -> "us";
      case NANOSECOND -> "ns";
    };
  }
}
