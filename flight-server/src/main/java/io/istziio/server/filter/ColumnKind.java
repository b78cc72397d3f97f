package io.istziio.server.filter;

import java.util.Locale;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;

/** The families of column types a filter can compare, and how each is named to users. */
enum ColumnKind {
  INTEGER, FLOAT, DECIMAL, STRING, BOOLEAN, DATE, TIMESTAMP, UNSUPPORTED;

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
      case Int -> ((ArrowType.Int) type).getIsSigned() ? INTEGER : UNSUPPORTED;
      case FloatingPoint -> ((ArrowType.FloatingPoint) type).getPrecision()
          == FloatingPointPrecision.HALF ? UNSUPPORTED : FLOAT; // Acero has no float16 kernels
      case Decimal -> isWideDecimal(type) ? UNSUPPORTED : DECIMAL;
      case Utf8, LargeUtf8 -> STRING;
      case Bool -> BOOLEAN;
      case Date -> ((ArrowType.Date) type).getUnit() == DateUnit.DAY ? DATE : UNSUPPORTED;
      case Timestamp -> TIMESTAMP;
      default -> UNSUPPORTED;
    };
  }

  /** A type as users know it: int32, float64, decimal(12,2), timestamp[us, UTC]... */
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
      case Utf8, LargeUtf8 -> "string";
      case Bool -> "bool";
      case Date -> ((ArrowType.Date) type).getUnit() == DateUnit.DAY ? "date32" : "date64";
      case Timestamp -> {
        ArrowType.Timestamp ts = (ArrowType.Timestamp) type;
        String unit = switch (ts.getUnit()) {
          case SECOND -> "s";
          case MILLISECOND -> "ms";
          case MICROSECOND -> "us";
          case NANOSECOND -> "ns";
        };
        yield "timestamp[" + unit + (ts.getTimezone() != null ? ", " + ts.getTimezone() : "") + "]";
      }
      default -> type.getTypeID().name().toLowerCase(Locale.ROOT);
    };
  }
}
