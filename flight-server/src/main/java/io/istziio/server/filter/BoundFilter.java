package io.istziio.server.filter;

import io.istziio.server.filter.Filter.Op;
import java.util.List;
import org.apache.arrow.vector.types.pojo.ArrowType;

/**
 * A filter checked against a file's schema: columns resolved to their position in the file, and
 * literals converted to the column's type. Values are held as: Long (integers, timestamps in the
 * column's unit), Double (floats), BigDecimal at the column's scale (decimals), String, Boolean,
 * Integer (dates, as days since 1970-01-01).
 */
public sealed interface BoundFilter {

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
