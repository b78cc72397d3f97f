package io.istziio.server.filter;

import io.istziio.server.filter.Filter.Op;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.types.pojo.ArrowType;

/**
 * A filter checked against a file's schema: columns resolved to their position in the file, and
 * literals converted to the column's type. Values are held as: Long (integers, unsigned ones as
 * their 64 bits; timestamps, times and durations in the column's unit), Double (floats, rounded to the column's precision),
 * String (strings; binary columns compare its UTF-8 bytes), BigDecimal at the column's scale (decimals), Boolean, Integer (dates, as days since 1970-01-01).
 */
public sealed interface BoundFilter {

  /** Every column the filter reads, in the order met, repeats included. */
  static List<Field> fields(BoundFilter filter) {
    List<Field> fields = new ArrayList<>();
    collect(filter, fields);
    return fields;
  }

  /**
   * Whether Arrow's native scanner can run the filter with pyarrow.compute's answer (see
   * {@link ColumnKind#isNative}); if not, the node filters the scanned batches in Java.
   */
  static boolean isNative(BoundFilter filter) {
    return fields(filter).stream().allMatch(field -> ColumnKind.isNative(field.type()));
  }

  private static void collect(BoundFilter filter, List<Field> out) {
    if (filter instanceof And and) {
      and.operands().forEach(f -> collect(f, out));
    } else if (filter instanceof Or or) {
      or.operands().forEach(f -> collect(f, out));
    } else if (filter instanceof Not not) {
      collect(not.operand(), out);
    } else if (filter instanceof CompareFields compare) {
      out.add(compare.left());
      out.add(compare.right());
    } else if (filter instanceof Compare compare) {
      out.add(compare.field());
    } else if (filter instanceof IsNull isNull) {
      out.add(isNull.field());
    } else if (filter instanceof In in) {
      out.add(in.field());
    } else if (filter instanceof Between between) {
      out.add(between.field());
    } else {
      out.add(((IsTrue) filter).field());
    }
  }

  /** A column of the file. */
  record Field(int index, String name, ArrowType type, boolean nullable) {
    ColumnKind kind() {
      return ColumnKind.of(type);
    }
  }

  record Compare(Field field, Op op, Object value) implements BoundFilter {}

  record CompareFields(Field left, Op op, Field right) implements BoundFilter {}

  record IsNull(Field field, boolean negated) implements BoundFilter {}

  record In(Field field, List<Object> values) implements BoundFilter {}

  record Between(Field field, Object low, Object high) implements BoundFilter {}

  record IsTrue(Field field) implements BoundFilter {}

  record And(List<BoundFilter> operands) implements BoundFilter {}

  record Or(List<BoundFilter> operands) implements BoundFilter {}

  record Not(BoundFilter operand) implements BoundFilter {}
}
