package io.istziio.server.filter;

import io.istziio.server.Errors;
import io.istziio.server.filter.BoundFilter.Field;
import io.istziio.server.filter.Filter.Column;
import io.istziio.server.filter.Filter.Literal;
import io.istziio.server.filter.Filter.LiteralKind;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.arrow.memory.util.Float16;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Checks a parsed filter against a file's schema: every column must exist, every literal must fit
 * the type of the column it meets. Errors say which column, which types, and what would work.
 */
public final class FilterBinder {

  private final Schema schema;

  private FilterBinder(Schema schema) {
    this.schema = schema;
  }

  /** @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT saying what to fix */
  public static BoundFilter bind(Filter filter, Schema schema) {
    return new FilterBinder(schema).bind(filter);
  }

  private BoundFilter bind(Filter filter) {
    if (filter instanceof Filter.And and) {
      return new BoundFilter.And(and.operands().stream().map(this::bind).toList());
    }
    if (filter instanceof Filter.Or or) {
      return new BoundFilter.Or(or.operands().stream().map(this::bind).toList());
    }
    if (filter instanceof Filter.Not not) {
      return new BoundFilter.Not(bind(not.operand()));
    }
    if (filter instanceof Filter.IsNull isNull) { // any column can be null
      return new BoundFilter.IsNull(resolve(isNull.column()), isNull.negated());
    }
    if (filter instanceof Filter.BooleanColumn bool) {
      Field field = comparable(bool.column());
      if (field.kind() != ColumnKind.BOOLEAN) {
        throw Errors.invalid("column \"%s\" is %s, not bool, so it cannot stand alone as a "
            + "condition; compare it, e.g. \"%s\" > 0", field.name(),
            ColumnKind.describe(field.type()), field.name());
      }
      return new BoundFilter.IsTrue(field);
    }
    if (filter instanceof Filter.Between between) {
      Field field = comparable(between.column());
      BoundFilter bound = new BoundFilter.Between(field, value(field, between.low()),
          value(field, between.high()));
      return between.negated() ? new BoundFilter.Not(bound) : bound;
    }
    if (filter instanceof Filter.In in) {
      Field field = comparable(in.column());
      List<Object> values = new ArrayList<>();
      for (Literal literal : in.values()) {
        values.add(value(field, literal));
      }
      BoundFilter bound = new BoundFilter.In(field, values);
      return in.negated() ? new BoundFilter.Not(bound) : bound;
    }
    return compare((Filter.Compare) filter);
  }

  private BoundFilter compare(Filter.Compare compare) {
    if (compare.left() instanceof Column left && compare.right() instanceof Column right) {
      Field a = comparable(left);
      Field b = comparable(right);
      if (!comparableColumns(a, b)) {
        throw Errors.invalid("cannot compare column \"%s\" (%s) with column \"%s\" (%s): their "
            + "types differ", a.name(), ColumnKind.describe(a.type()), b.name(),
            ColumnKind.describe(b.type()));
      }
      return new BoundFilter.CompareFields(a, compare.op(), b);
    }
    if (compare.left() instanceof Column column && compare.right() instanceof Literal literal) {
      Field field = comparable(column);
      return new BoundFilter.Compare(field, compare.op(), value(field, literal));
    }
    if (compare.left() instanceof Literal literal && compare.right() instanceof Column column) {
      Field field = comparable(column);
      return new BoundFilter.Compare(field, compare.op().flipped(), value(field, literal));
    }
    throw Errors.invalid("filter compares two values (%s %s %s) at position %d; one side must "
        + "be a column", compare.left(), compare.op().symbol, compare.right(),
        compare.left().position());
  }

  /**
   * Integers of any width and sign compare exactly, floats of any width as doubles; any other two
   * columns must have one type (one unit, one scale), since nothing would say which to convert.
   */
  private static boolean comparableColumns(Field a, Field b) {
    boolean integers = (a.kind() == ColumnKind.INTEGER || a.kind() == ColumnKind.UNSIGNED)
        && (b.kind() == ColumnKind.INTEGER || b.kind() == ColumnKind.UNSIGNED);
    return integers || a.kind() == b.kind() && (a.kind() == ColumnKind.FLOAT || a.type().equals(b.type()));
  }

  private Field comparable(Column column) {
    Field bound = resolve(column);
    if (bound.kind() == ColumnKind.UNSUPPORTED) {
      throw Errors.invalid("column \"%s\" has type %s, which filters cannot compare; filters "
          + "take integer, float, decimal, string, binary, bool, date, time, timestamp and "
          + "duration columns",
          bound.name(), ColumnKind.describe(bound.type()));
    }
    return bound;
  }

  private Field resolve(Column column) {
    int index = 0;
    for (org.apache.arrow.vector.types.pojo.Field field : schema.getFields()) {
      if (field.getName().equals(column.name())) {
        return new Field(index, field.getName(), field.getType(), field.isNullable());
      }
      index++;
    }
    int dot = column.name().indexOf('.');
    if (dot > 0 && schema.getFields().stream()
        .anyMatch(f -> f.getName().equals(column.name().substring(0, dot)))) {
      throw Errors.invalid("filters compare top-level columns only; \"%s\" (at position %d) is a "
          + "field inside column \"%s\": filter in the client", column.name(), column.position(),
          column.name().substring(0, dot));
    }
    throw Errors.invalid("unknown column \"%s\" in filter at position %d; the file's columns are: "
        + "%s", column.name(), column.position(),
        schema.getFields().stream().map(f -> f.getName()).collect(Collectors.joining(", ")));
  }

  /** The literal as a value of the column's type, or an error naming both types. */
  private static Object value(Field field, Literal literal) {
    if (literal.kind() == LiteralKind.NULL) {
      throw Errors.invalid("comparing \"%s\" with NULL is never true; write \"%s\" IS NULL or "
          + "IS NOT NULL", field.name(), field.name());
    }
    ArrowType type = field.type();
    try {
      switch (field.kind()) {
        case INTEGER:
          if (literal.kind() == LiteralKind.INTEGER || isWholeNumber(literal)) {
            long value = new BigDecimal(literal.text()).longValueExact();
            int bits = ((ArrowType.Int) type).getBitWidth();
            if (bits < 64 && (value < -(1L << (bits - 1)) || value >= (1L << (bits - 1)))) {
              throw mismatch(field, literal, "it is out of the range of " + ColumnKind.describe(type));
            }
            return value;
          }
          break;
        case UNSIGNED:
          if (literal.kind() == LiteralKind.INTEGER || isWholeNumber(literal)) {
            BigDecimal exact = new BigDecimal(literal.text());
            int bits = ((ArrowType.Int) type).getBitWidth();
            // 2^64 has 20 digits: more is out of range, refused before 1e999999999's are built.
            BigInteger value = exact.precision() - exact.scale() > 20 ? null : exact.toBigIntegerExact();
            if (value == null || value.signum() < 0 || value.bitLength() > bits) {
              throw mismatch(field, literal, "it is out of the range of " + ColumnKind.describe(type));
            }
            return value.longValue(); // uint64 above 2^63 - 1 as its two's-complement bits
          }
          break;
        case FLOAT:
          if (literal.kind() == LiteralKind.INTEGER || literal.kind() == LiteralKind.DECIMAL) {
            return floatValue(type, Double.parseDouble(literal.text()));
          }
          break;
        case DECIMAL:
          if (literal.kind() == LiteralKind.INTEGER || literal.kind() == LiteralKind.DECIMAL) {
            ArrowType.Decimal decimal = (ArrowType.Decimal) type;
            // Digits are counted before any are built: setScale would build 1e999999999's.
            BigDecimal value = new BigDecimal(literal.text()).stripTrailingZeros();
            if (value.scale() > decimal.getScale()) {
              throw mismatch(field, literal, "it has more than " + decimal.getScale() + " decimal places");
            }
            if (value.signum() != 0
                && value.precision() - value.scale() > decimal.getPrecision() - decimal.getScale()) {
              throw mismatch(field, literal, "it has more digits than " + ColumnKind.describe(type));
            }
            return value.setScale(decimal.getScale(), RoundingMode.UNNECESSARY);
          }
          break;
        case STRING:
          if (literal.kind() == LiteralKind.STRING) {
            return literal.text();
          }
          break;
        case BINARY:
          if (literal.kind() == LiteralKind.STRING) {
            return literal.text(); // compared as its UTF-8 bytes
          }
          break;
        case TIME:
          if (literal.kind() == LiteralKind.STRING) {
            return time(field, literal);
          }
          break;
        case DURATION:
          if (literal.kind() == LiteralKind.INTEGER) {
            return new BigDecimal(literal.text()).longValueExact();
          }
          break;
        case BOOLEAN:
          if (literal.kind() == LiteralKind.BOOLEAN) {
            return Boolean.parseBoolean(literal.text());
          }
          break;
        case DATE:
          if (literal.kind() == LiteralKind.DATE || literal.kind() == LiteralKind.STRING) {
            return (int) LocalDate.parse(literal.text()).toEpochDay();
          }
          break;
        case TIMESTAMP:
          if (literal.kind() == LiteralKind.TIMESTAMP || literal.kind() == LiteralKind.STRING
              || literal.kind() == LiteralKind.DATE) {
            return timestamp(field, literal);
          }
          break;
        default:
          break;
      }
    } catch (NumberFormatException | ArithmeticException | DateTimeParseException e) {
      throw mismatch(field, literal, "it cannot be read as " + ColumnKind.describe(type)
          + " (dates are 'yyyy-mm-dd', times 'hh:mm:ss[.ffffff]', timestamps "
          + "'yyyy-mm-dd hh:mm:ss[.ffffff]', durations integers in the column's unit)");
    }
    String kind = describe(literal.kind());
    throw mismatch(field, literal, (kind.startsWith("i") ? "an " : "a ") + kind + " cannot be compared with "
        + ColumnKind.describe(type) + "; use " + example(field.kind()));
  }

  /**
   * A number as a value of the float column's own type, so that {@code f32 = 1.1} means
   * float32(1.1), the value pyarrow shows as 1.1, as it means in SQL; held as the double it widens to.
   */
  private static double floatValue(ArrowType type, double value) {
    return switch (((ArrowType.FloatingPoint) type).getPrecision()) {
      case HALF -> Float16.toFloat(Float16.toFloat16((float) value));
      case SINGLE -> (float) value;
      case DOUBLE -> value;
    };
  }

  /** A time of day, 'hh:mm[:ss[.fraction]]', in the column's unit since midnight; finer is refused. */
  private static long time(Field field, Literal literal) {
    ArrowType.Time type = (ArrowType.Time) field.type();
    long nanos = LocalTime.parse(literal.text().trim()).toNanoOfDay();
    long unit = switch (type.getUnit()) {
      case SECOND -> 1_000_000_000L;
      case MILLISECOND -> 1_000_000L;
      case MICROSECOND -> 1_000L;
      case NANOSECOND -> 1L;
    };
    if (nanos % unit != 0) {
      throw mismatch(field, literal, "it is more precise than the column's " + ColumnKind.describe(type));
    }
    return nanos / unit;
  }

  private static boolean isWholeNumber(Literal literal) {
    return literal.kind() == LiteralKind.DECIMAL
        && new BigDecimal(literal.text()).stripTrailingZeros().scale() <= 0;
  }

  /**
   * Timestamps are read as UTC (or as wall time for a column without a time zone), in the column's
   * unit. A fraction finer than the unit, or than a microsecond (the finest literal Arrow's
   * Substrait reader takes), is refused rather than rounded, since rounding changes which rows a
   * range takes.
   */
  private static long timestamp(Field field, Literal literal) {
    ArrowType.Timestamp type = (ArrowType.Timestamp) field.type();
    String iso = literal.text().trim().replace(' ', 'T');
    LocalDateTime time = iso.length() == 10 ? LocalDate.parse(iso).atStartOfDay() : LocalDateTime.parse(iso);
    long seconds = time.toEpochSecond(ZoneOffset.UTC);
    long nanos = time.getNano();
    long finest = switch (type.getUnit()) {
      case SECOND -> 1_000_000_000L;
      case MILLISECOND -> 1_000_000L;
      case MICROSECOND, NANOSECOND -> 1_000L;
    };
    if (nanos % finest != 0) {
      throw mismatch(field, literal, "it is more precise than the column's "
          + ColumnKind.describe(type) + (type.getUnit() == TimeUnit.NANOSECOND ? " filters can compare (to the microsecond)" : ""));
    }
    try {
      return switch (type.getUnit()) {
        case SECOND -> seconds;
        case MILLISECOND -> Math.addExact(Math.multiplyExact(seconds, 1_000L), nanos / 1_000_000);
        case MICROSECOND -> Math.addExact(Math.multiplyExact(seconds, 1_000_000L), nanos / 1_000);
        case NANOSECOND -> Math.addExact(Math.multiplyExact(seconds, 1_000_000_000L), nanos);
      };
    } catch (ArithmeticException e) {
      throw mismatch(field, literal, "it is outside the range of " + ColumnKind.describe(type));
    }
  }

  private static RuntimeException mismatch(Field field, Literal literal, String why) {
    return Errors.invalid("cannot compare column \"%s\" (%s) with %s at position %d: %s",
        field.name(), ColumnKind.describe(field.type()), literal, literal.position(), why);
  }

  private static String describe(LiteralKind kind) {
    return switch (kind) {
      case INTEGER -> "integer";
      case DECIMAL -> "decimal number";
      case STRING -> "string";
      case BOOLEAN -> "boolean";
      case DATE -> "date";
      case TIMESTAMP -> "timestamp";
      case NULL -> "NULL";
    };
  }

  private static String example(ColumnKind kind) {
    return switch (kind) {
      case INTEGER, UNSIGNED -> "an integer such as 42";
      case DURATION -> "an integer in the column's unit, such as 42";
      case BINARY -> "a quoted string such as 'abc' (its UTF-8 bytes)";
      case TIME -> "a quoted time such as '12:30:00'";
      case FLOAT, DECIMAL -> "a number such as 4.2";
      case STRING -> "a quoted string such as 'abc'";
      case BOOLEAN -> "TRUE or FALSE";
      case DATE -> "DATE '2024-01-31'";
      case TIMESTAMP -> "TIMESTAMP '2024-01-31 12:00:00'";
      case UNSUPPORTED -> "another column";
    };
  }

}
