package io.istziio.server.parquet;

import io.istziio.server.Errors;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A ticket's {@code columns} resolved against a file's Arrow schema, with the rule of
 * {@code pyarrow.parquet.read_table(columns=...)} (Arrow Dataset's {@code ProjectionDescr::FromNames},
 * which the node's native scanner applies to the same names):
 *
 * <ul>
 *   <li>a name equal to a top-level column's is that column, dots and all ("s.a" may be a column);
 *   <li>otherwise it is a dotted path into structs: {@code "s.a"} is field a of struct column s,
 *       {@code "s.t.b"} goes one struct deeper, a backslash escapes the next character (a field
 *       named "x.y" is {@code "s.x\.y"}) and {@code [i]} picks a struct's i-th field. The result
 *       is a top-level column named after the text behind the last dot ({@code "s.t.b"} gives
 *       {@code b}), with that field's type; two fields of one struct are two such columns;
 *   <li>lists and maps cannot be entered: pyarrow's read_table refuses {@code "l.element"} too,
 *       so the node answers INVALID_ARGUMENT asking for the whole column.
 * </ul>
 *
 * @param schema the result's schema, one field per name, in the order asked
 * @param paths each selected field's names from the top (["s", "a"] for "s.a" inside s, ["s.a"]
 *     for a top-level column so named): the Parquet columns it reads; null when all columns are
 * @param nested whether some name selects a field inside a struct rather than a top-level column
 */
public record ColumnSelection(Schema schema, List<List<String>> paths, boolean nested) {

  /**
   * Resolves {@code columns} (null: every column) against {@code fileSchema}.
   *
   * @param file the object's path, to name it in errors
   * @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT for a name that selects
   *     nothing, more than one field, or a field inside a list or map
   */
  public static ColumnSelection of(Schema fileSchema, List<String> columns, String file) {
    if (columns == null) {
      return new ColumnSelection(fileSchema, null, false);
    }
    List<Field> fields = new ArrayList<>(columns.size());
    List<List<String>> paths = new ArrayList<>(columns.size());
    boolean nested = false;
    for (String column : columns) {
      Field top = topLevel(fileSchema, column);
      if (top != null) {
        fields.add(top);
        paths.add(List.of(column));
        continue;
      }
      List<String> path = new ArrayList<>();
      Field field = walk(fileSchema, column, file, path);
      // Arrow names the result after the text behind the last dot, escapes and all.
      String dotted = column.startsWith(".") ? column : "." + column;
      String name = dotted.substring(dotted.lastIndexOf('.') + 1);
      fields.add(new Field(name, field.getFieldType(), field.getChildren()));
      paths.add(List.copyOf(path));
      nested |= path.size() > 1;
    }
    return new ColumnSelection(new Schema(fields, fileSchema.getCustomMetadata()),
        List.copyOf(paths), nested);
  }

  private static Field topLevel(Schema schema, String name) {
    for (Field field : schema.getFields()) {
      if (field.getName().equals(name)) {
        return field;
      }
    }
    return null;
  }

  /** Follows the dotted path {@code column} from the top, adding each field's name to {@code path}. */
  private static Field walk(Schema schema, String column, String file, List<String> path) {
    List<Object> steps = steps(column, file); // names (String) and positions (Integer)
    List<Field> children = schema.getFields();
    Field field = null;
    for (Object step : steps) {
      if (field != null && !(field.getType() instanceof ArrowType.Struct)) {
        String kind = kind(field.getType());
        if (kind == null) {
          throw Errors.invalid("column \"%s\" of %s: \"%s\" has no fields; ask for \"%s\"",
              column, file, String.join(".", path), String.join(".", path));
        }
        throw Errors.invalid("column \"%s\" of %s: \"%s\" is a %s, whose values cannot be "
            + "selected by name (pyarrow's read_table cannot either); ask for the whole column "
            + "\"%s\"", column, file, String.join(".", path), kind, path.get(0));
      }
      field = child(children, step, column, file, path);
      path.add(field.getName());
      children = field.getChildren();
    }
    return field;
  }

  private static Field child(List<Field> fields, Object step, String column, String file,
      List<String> path) {
    String where = path.isEmpty() ? file : "struct \"" + String.join(".", path) + "\"";
    String has = fields.stream().map(Field::getName).collect(Collectors.joining(", "));
    if (step instanceof Integer index) {
      if (index >= fields.size()) {
        throw Errors.invalid("column \"%s\" of %s: %s has %d fields, no field [%d]; its fields "
            + "are: %s", column, file, where, fields.size(), index, has);
      }
      return fields.get(index);
    }
    List<Field> named = fields.stream().filter(f -> f.getName().equals(step)).toList();
    if (named.size() > 1) {
      throw Errors.invalid("column \"%s\" of %s: %s has %d fields named \"%s\"; pick one by "
          + "position, e.g. [%d]", column, file, where, named.size(), step, fields.indexOf(named.get(0)));
    }
    if (named.isEmpty()) {
      if (path.isEmpty()) {
        throw ParquetFile.unknownColumn(column, file, new Schema(fields));
      }
      throw Errors.invalid("unknown column \"%s\" in %s: %s has no field \"%s\"; its fields are: %s",
          column, file, where, step, has);
    }
    return named.get(0);
  }

  /**
   * The steps of a dotted path, as Arrow's {@code FieldRef::FromDotPath} reads {@code "." +
   * column}: {@code .name} (a backslash escapes the next character) or {@code [digits]}.
   */
  private static List<Object> steps(String column, String file) {
    String rest = column.startsWith(".") ? column : "." + column;
    List<Object> steps = new ArrayList<>();
    int i = 0;
    while (i < rest.length()) {
      char kind = rest.charAt(i++);
      if (kind == '[') {
        int end = i;
        while (end < rest.length() && Character.isDigit(rest.charAt(end))) {
          end++;
        }
        if (end == rest.length() || rest.charAt(end) != ']' || end - i > 9) {
          throw Errors.invalid("column \"%s\" of %s: an index must be [digits]", column, file);
        }
        steps.add(end == i ? 0 : Integer.parseInt(rest.substring(i, end))); // Arrow reads [] as [0]
        i = end + 1;
        continue;
      }
      if (kind != '.') { // after "]" (Arrow refuses the same)
        throw Errors.invalid("column \"%s\" of %s: \"]\" must be followed by \".\" or \"[\"",
            column, file);
      }
      StringBuilder name = new StringBuilder();
      while (i < rest.length() && rest.charAt(i) != '.' && rest.charAt(i) != '[') {
        char c = rest.charAt(i++);
        if (c == '\\' && i < rest.length()) {
          c = rest.charAt(i++);
        }
        name.append(c);
      }
      steps.add(name.toString());
    }
    return steps;
  }

  /** "list" or "map" for the nested types that are not structs; null for a type without fields. */
  private static String kind(ArrowType type) {
    return switch (type.getTypeID()) {
      case List, LargeList, FixedSizeList, ListView, LargeListView -> "list";
      case Map -> "map";
      case Union -> "union";
      default -> null;
    };
  }
}
