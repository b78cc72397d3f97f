package io.istziio.client.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Schemas in the words people use for Arrow types (pyarrow's: {@code int64}, {@code string},
 * {@code timestamp[us, tz=UTC]}, {@code decimal128(12, 2)}) rather than Arrow Java's class names.
 */
final class TypeNames {

  /** Names the filter language takes bare; others are shown double-quoted, as written there. */
  private static final Pattern BARE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private TypeNames() {}

  /** One line per field: {@code name: type}, with {@code not null} where nulls are not allowed. */
  static List<String> lines(Schema schema) {
    List<String> lines = new ArrayList<>();
    for (Field field : schema.getFields()) {
      lines.add(quote(field.getName()) + ": " + describe(field)
          + (field.isNullable() ? "" : " not null"));
    }
    return lines;
  }

  static String quote(String name) {
    return BARE.matcher(name).matches() ? name : '"' + name.replace("\"", "\"\"") + '"';
  }

  /** The field's type, children included. */
  static String describe(Field field) {
    String type = describe(field.getType(), field.getChildren());
    return field.getDictionary() != null ? "dictionary<values=" + type + ">" : type;
  }

  private static String describe(ArrowType type, List<Field> children) {
    return switch (type.getTypeID()) {
      case Null -> "null";
      case Bool -> "bool";
      case Int -> {
        ArrowType.Int integer = (ArrowType.Int) type;
        yield (integer.getIsSigned() ? "int" : "uint") + integer.getBitWidth();
      }
      case FloatingPoint -> {
        FloatingPointPrecision precision = ((ArrowType.FloatingPoint) type).getPrecision();
        yield switch (precision) {
          case HALF -> "float16";
          case SINGLE -> "float32";
          case DOUBLE -> "float64";
        };
      }
      case Utf8 -> "string";
      case LargeUtf8 -> "large_string";
      case Utf8View -> "string_view";
      case Binary -> "binary";
      case LargeBinary -> "large_binary";
      case BinaryView -> "binary_view";
      case FixedSizeBinary ->
          "fixed_size_binary[" + ((ArrowType.FixedSizeBinary) type).getByteWidth() + "]";
      case Decimal -> {
        ArrowType.Decimal decimal = (ArrowType.Decimal) type;
        yield String.format(Locale.ROOT, "decimal%d(%d, %d)", decimal.getBitWidth(),
            decimal.getPrecision(), decimal.getScale());
      }
      case Date -> ((ArrowType.Date) type).getUnit() == DateUnit.DAY
          ? "date32" : "date64";
      case Timestamp -> {
        ArrowType.Timestamp timestamp = (ArrowType.Timestamp) type;
        yield "timestamp[" + unit(timestamp.getUnit())
            + (timestamp.getTimezone() != null ? ", tz=" + timestamp.getTimezone() : "") + "]";
      }
      case Time -> {
        ArrowType.Time time = (ArrowType.Time) type;
        yield "time" + time.getBitWidth() + "[" + unit(time.getUnit()) + "]";
      }
      case Duration -> "duration[" + unit(((ArrowType.Duration) type).getUnit()) + "]";
      case List, LargeList, ListView, LargeListView, FixedSizeList ->
          type.getTypeID().name().replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT)
              + "<" + (children.isEmpty() ? "?" : describe(children.get(0))) + ">";
      case Struct -> "struct<" + String.join(", ", children.stream()
          .map(child -> quote(child.getName()) + ": " + describe(child)).toList()) + ">";
      case Map -> "map<" + (children.isEmpty() ? "?" : String.join(", ", children.get(0)
          .getChildren().stream().map(TypeNames::describe).toList())) + ">";
      default -> type.toString();
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
