package io.istziio.server.dataset;

import io.istziio.client.protocol.ReadTicket.PartitionValue;
import io.istziio.server.Errors;
import io.istziio.server.filter.Filter;
import io.istziio.server.filter.Filter.Column;
import io.istziio.server.filter.Filter.Compare;
import io.istziio.server.filter.Filter.Literal;
import io.istziio.server.filter.Filter.LiteralKind;
import io.istziio.server.filter.Filter.Op;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed filter with one file's partition values put in for the partition columns, and the
 * constants folded: what is left reads only the file's own columns.
 *
 * <p>Nulls follow SQL, as the rows of pyarrow.compute do: a comparison with a null partition value
 * is null, and a row is kept only where the whole filter is true. A null constant is replaced by
 * false where it stands under an even number of NOTs and by true under an odd number: the filter
 * is then true exactly where SQL's three-valued answer is (Kleene's logic is monotone in each
 * operand, and NOT reverses it), so the residual needs no null constant.
 */
public final class PartitionFilter {

  /**
   * The folded filter: {@code constant} true (keep every row: {@code residual} is null), false
   * (no row of the file can match), or null with the residual over the file's columns.
   */
  public record Folded(Boolean constant, Filter residual) {
    static final Folded TRUE = new Folded(Boolean.TRUE, null);
    static final Folded FALSE = new Folded(Boolean.FALSE, null);

    static Folded of(boolean value) {
      return value ? TRUE : FALSE;
    }

    /** Whether no row of the file can match. */
    public boolean none() {
      return Boolean.FALSE.equals(constant);
    }
  }

  private enum Tri {
    TRUE, FALSE, NULL;

    static Tri of(boolean value) {
      return value ? TRUE : FALSE;
    }
  }

  private final Map<String, PartitionValue> values = new LinkedHashMap<>();

  private PartitionFilter(List<PartitionValue> partition) {
    partition.forEach(value -> values.put(value.name(), value));
  }

  /**
   * @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT when the filter uses a
   *     partition column other than against literals or partition columns of its type
   */
  public static Folded fold(Filter filter, List<PartitionValue> partition) {
    if (partition.isEmpty()) {
      return new Folded(null, filter);
    }
    return new PartitionFilter(partition).fold(filter, true);
  }

  private Folded fold(Filter filter, boolean positive) {
    if (filter instanceof Compare c) {
      return compare(c, positive);
    }
    if (filter instanceof Filter.Between b) {
      return !isPartition(b.column()) ? residual(b)
          : resolve(negate(and(List.of(compare(b.column(), Op.GE, b.low()),
              compare(b.column(), Op.LE, b.high()))), b.negated()), positive);
    }
    if (filter instanceof Filter.In in) {
      return !isPartition(in.column()) ? residual(in)
          : resolve(negate(or(in.values().stream().map(v -> compare(in.column(), Op.EQ, v)).toList()),
              in.negated()), positive);
    }
    if (filter instanceof Filter.IsNull n) {
      return !isPartition(n.column()) ? residual(n)
          : Folded.of((values.get(n.column().name()).value() == null) != n.negated());
    }
    if (filter instanceof Filter.BooleanColumn b) {
      if (isPartition(b.column())) {
        throw Errors.invalid("partition column \"%s\" is %s, not a boolean; compare it with a "
            + "value", Errors.shorten(b.column().name()), values.get(b.column().name()).type());
      }
      return residual(b);
    }
    if (filter instanceof Filter.Not not) {
      Folded inner = fold(not.operand(), !positive);
      return inner.constant() != null ? Folded.of(!inner.constant())
          : new Folded(null, new Filter.Not(inner.residual()));
    }
    if (filter instanceof Filter.And and) {
      return combine(and.operands(), positive, false);
    }
    return combine(((Filter.Or) filter).operands(), positive, true);
  }

  /** AND ({@code any} false) or OR ({@code any} true) of folded operands. */
  private Folded combine(List<Filter> operands, boolean positive, boolean any) {
    List<Filter> left = new ArrayList<>();
    for (Filter operand : operands) {
      Folded folded = fold(operand, positive);
      if (folded.constant() == null) {
        left.add(folded.residual());
      } else if (folded.constant() == any) {
        return Folded.of(any); // decides the whole
      }
    }
    if (left.isEmpty()) {
      return Folded.of(!any);
    }
    Filter residual = left.size() == 1 ? left.get(0) : any ? new Filter.Or(left) : new Filter.And(left);
    return new Folded(null, residual);
  }

  private Folded compare(Compare c, boolean positive) {
    boolean left = c.left() instanceof Column l && isPartition(l);
    boolean right = c.right() instanceof Column r && isPartition(r);
    if (!left && !right) {
      return residual(c);
    }
    if (left && c.right() instanceof Literal literal) {
      return resolve(compare((Column) c.left(), c.op(), literal), positive);
    }
    if (right && c.left() instanceof Literal literal) {
      return resolve(compare((Column) c.right(), c.op().flipped(), literal), positive);
    }
    if (left && right) {
      return resolve(compareColumns((Column) c.left(), c.op(), (Column) c.right()), positive);
    }
    Column partition = (Column) (left ? c.left() : c.right());
    throw Errors.invalid("partition column \"%s\" is compared with a column of the file; compare "
        + "it with a value or another partition column", Errors.shorten(partition.name()));
  }

  private Tri compare(Column column, Op op, Literal literal) {
    PartitionValue value = values.get(column.name());
    if (literal.kind() == LiteralKind.NULL || value.value() == null) {
      return Tri.NULL;
    }
    int order;
    if (PartitionValue.INT32.equals(value.type())) {
      if (literal.kind() != LiteralKind.INTEGER) {
        throw mismatch(value, literal, "an integer");
      }
      BigInteger number = new BigInteger(literal.text());
      if (number.bitLength() > 31) {
        throw Errors.invalid("%s is out of the range of partition column \"%s\" (int32)",
            Errors.shorten(literal.toString()), Errors.shorten(value.name()));
      }
      order = Integer.compare(Integer.parseInt(value.value()), number.intValue());
    } else {
      if (literal.kind() != LiteralKind.STRING) {
        throw mismatch(value, literal, "a string such as 'abc'");
      }
      order = utf8Order(value.value(), literal.text());
    }
    return Tri.of(holds(op, order));
  }

  private Tri compareColumns(Column a, Op op, Column b) {
    PartitionValue x = values.get(a.name());
    PartitionValue y = values.get(b.name());
    if (!x.type().equals(y.type())) {
      throw Errors.invalid("partition columns \"%s\" (%s) and \"%s\" (%s) have different types; "
          + "compare each with a value", Errors.shorten(x.name()), x.type(), Errors.shorten(y.name()),
          y.type());
    }
    if (x.value() == null || y.value() == null) {
      return Tri.NULL;
    }
    int order = PartitionValue.INT32.equals(x.type())
        ? Integer.compare(Integer.parseInt(x.value()), Integer.parseInt(y.value()))
        : utf8Order(x.value(), y.value());
    return Tri.of(holds(op, order));
  }

  private static boolean holds(Op op, int order) {
    return switch (op) {
      case EQ -> order == 0;
      case NE -> order != 0;
      case LT -> order < 0;
      case LE -> order <= 0;
      case GT -> order > 0;
      case GE -> order >= 0;
    };
  }

  private static int utf8Order(String a, String b) {
    return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  private static RuntimeException mismatch(PartitionValue value, Literal literal, String expected) {
    return Errors.invalid("partition column \"%s\" is %s; compare it with %s, not %s",
        Errors.shorten(value.name()), value.type(), expected, Errors.shorten(literal.toString()));
  }

  private static Tri and(List<Tri> operands) {
    return operands.contains(Tri.FALSE) ? Tri.FALSE : operands.contains(Tri.NULL) ? Tri.NULL : Tri.TRUE;
  }

  private static Tri or(List<Tri> operands) {
    return operands.contains(Tri.TRUE) ? Tri.TRUE : operands.contains(Tri.NULL) ? Tri.NULL : Tri.FALSE;
  }

  private static Tri negate(Tri value, boolean negated) {
    if (!negated || value == Tri.NULL) {
      return value;
    }
    return value == Tri.TRUE ? Tri.FALSE : Tri.TRUE;
  }

  /** A null stands for false in a positive place and for true under an odd number of NOTs. */
  private static Folded resolve(Tri value, boolean positive) {
    return Folded.of(value == Tri.NULL ? !positive : value == Tri.TRUE);
  }

  private static Folded residual(Filter filter) {
    return new Folded(null, filter);
  }

  private boolean isPartition(Column column) {
    return values.containsKey(column.name());
  }

}
