package io.istziio.server.filter;

import io.istziio.server.filter.BoundFilter.Field;
import io.substrait.dsl.SubstraitBuilder;
import io.substrait.expression.Expression;
import io.substrait.expression.ExpressionCreator;
import io.substrait.expression.FieldReference;
import io.substrait.extendedexpression.ExtendedExpression;
import io.substrait.extendedexpression.ExtendedExpressionProtoConverter;
import io.substrait.extendedexpression.ImmutableExpressionReference;
import io.substrait.extension.DefaultExtensionCatalog;
import io.substrait.type.NamedStruct;
import io.substrait.type.Type;
import io.substrait.type.TypeCreator;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Compiles a bound filter to a Substrait ExtendedExpression that Arrow's Acero executes inside the
 * Dataset scanner. Acero takes binary AND and OR only, so longer chains are nested; IN becomes a
 * chain of equalities and BETWEEN a pair of bounds.
 */
public final class SubstraitWriter {

  private static final String COMPARISON = DefaultExtensionCatalog.FUNCTIONS_COMPARISON;
  private static final TypeCreator NULLABLE = TypeCreator.NULLABLE;

  private final SubstraitBuilder builder = new SubstraitBuilder(DefaultExtensionCatalog.DEFAULT_COLLECTION);

  private SubstraitWriter() {}

  /** The serialized ExtendedExpression; field references are positions in {@code schema}. */
  public static byte[] write(BoundFilter filter, Schema schema) {
    SubstraitWriter writer = new SubstraitWriter();
    ExtendedExpression expression = ExtendedExpression.builder()
        .baseSchema(baseSchema(schema))
        .addReferredExpressions(ImmutableExpressionReference.builder()
            .expression(writer.expression(filter))
            .addOutputNames("filter")
            .build())
        .build();
    return new ExtendedExpressionProtoConverter().toProto(expression).toByteArray();
  }

  private Expression expression(BoundFilter filter) {
    if (filter instanceof BoundFilter.Compare compare) {
      return call(compare.op().function + ":any_any", field(compare.field()),
          literal(compare.field(), compare.value()));
    }
    if (filter instanceof BoundFilter.CompareFields compare) {
      return call(compare.op().function + ":any_any", field(compare.left()), field(compare.right()));
    }
    if (filter instanceof BoundFilter.IsNull isNull) {
      return builder.scalarFn(COMPARISON, (isNull.negated() ? "is_not_null" : "is_null") + ":any",
          TypeCreator.REQUIRED.BOOLEAN, field(isNull.field()));
    }
    if (filter instanceof BoundFilter.In in) {
      List<Expression> equalities = new ArrayList<>();
      for (Object value : in.values()) {
        equalities.add(call("equal:any_any", field(in.field()), literal(in.field(), value)));
      }
      return nest(equalities, false);
    }
    if (filter instanceof BoundFilter.Between between) {
      Expression column = field(between.field());
      return builder.and(call("gte:any_any", column, literal(between.field(), between.low())),
          call("lte:any_any", column, literal(between.field(), between.high())));
    }
    if (filter instanceof BoundFilter.IsTrue isTrue) {
      return field(isTrue.field());
    }
    if (filter instanceof BoundFilter.And and) {
      return nest(and.operands().stream().map(this::expression).toList(), true);
    }
    if (filter instanceof BoundFilter.Or or) {
      return nest(or.operands().stream().map(this::expression).toList(), false);
    }
    return builder.scalarFn(DefaultExtensionCatalog.FUNCTIONS_BOOLEAN, "not:bool", NULLABLE.BOOLEAN,
        expression(((BoundFilter.Not) filter).operand()));
  }

  /**
   * Binary ANDs or ORs over the operands, as a balanced tree: a chain as deep as the list is long
   * would pass the nesting limit of the protobuf reader in Arrow after a few dozen operands.
   */
  private Expression nest(List<Expression> operands, boolean and) {
    if (operands.size() == 1) {
      return operands.get(0);
    }
    int half = operands.size() / 2;
    Expression left = nest(operands.subList(0, half), and);
    Expression right = nest(operands.subList(half, operands.size()), and);
    return and ? builder.and(left, right) : builder.or(left, right);
  }

  private Expression call(String function, Expression left, Expression right) {
    return builder.scalarFn(COMPARISON, function, NULLABLE.BOOLEAN, left, right);
  }

  private static Expression field(Field field) {
    return FieldReference.newRootStructReference(field.index(), type(field.type(), field.nullable()));
  }

  private static Expression literal(Field field, Object value) {
    ArrowType type = field.type();
    switch (field.kind()) {
      case INTEGER:
        long number = (Long) value;
        return switch (((ArrowType.Int) type).getBitWidth()) {
          case 8 -> ExpressionCreator.i8(false, (int) number);
          case 16 -> ExpressionCreator.i16(false, (int) number);
          case 32 -> ExpressionCreator.i32(false, (int) number);
          default -> ExpressionCreator.i64(false, number);
        };
      case FLOAT:
        // The binder rounded the literal to the column's precision: float32(1.1) for a float32
        // column, so that = 1.1 finds the rows pyarrow shows as 1.1.
        return ((ArrowType.FloatingPoint) type).getPrecision() == FloatingPointPrecision.SINGLE
            ? ExpressionCreator.fp32(false, (float) (double) (Double) value)
            : ExpressionCreator.fp64(false, (Double) value);
      case DECIMAL:
        ArrowType.Decimal decimal = (ArrowType.Decimal) type;
        return ExpressionCreator.decimal(false, (BigDecimal) value, decimal.getPrecision(),
            decimal.getScale());
      case STRING:
        return ExpressionCreator.string(false, (String) value);
      case BOOLEAN:
        return ExpressionCreator.bool(false, (Boolean) value);
      case DATE:
        return ExpressionCreator.date(false, (Integer) value);
      case TIMESTAMP:
        // Arrow 18's Substrait reader knows only the microsecond timestamp literals; Acero
        // compares them with a column of any unit.
        ArrowType.Timestamp timestamp = (ArrowType.Timestamp) type;
        long micros = toMicros((Long) value, timestamp);
        return timestamp.getTimezone() == null
            ? ExpressionCreator.timestamp(false, micros)
            : ExpressionCreator.timestampTZ(false, micros);
      default:
        throw new IllegalArgumentException("no literal for " + type);
    }
  }

  /** Every column of the file, in file order, since field references are positions in it. */
  private static NamedStruct baseSchema(Schema schema) {
    List<String> names = new ArrayList<>();
    List<Type> types = new ArrayList<>();
    for (org.apache.arrow.vector.types.pojo.Field field : schema.getFields()) {
      names.add(field.getName());
      types.add(type(field.getType(), field.isNullable()));
    }
    return NamedStruct.of(names, TypeCreator.REQUIRED.struct(types));
  }

  /**
   * The Substrait type of a column. Columns a filter cannot reference (nested, binary, decimals
   * wider than 38 digits...) still need a slot in the base schema; they get a binary placeholder,
   * which is never read. The placeholder also keeps types that Arrow's Substrait reader aborts on
   * (a decimal of 40 digits, even inside a struct) out of the expression.
   */
  private static Type type(ArrowType type, boolean nullable) {
    TypeCreator types = TypeCreator.of(nullable);
    boolean wideFloat = type instanceof ArrowType.FloatingPoint fp
        && fp.getPrecision() != FloatingPointPrecision.HALF;
    if (!ColumnKind.isNative(type) && !wideFloat) {
      return types.BINARY; // a placeholder: no expression the node hands the scanner reads it
    }
    switch (ColumnKind.of(type)) {
      case INTEGER:
        return switch (((ArrowType.Int) type).getBitWidth()) {
          case 8 -> types.I8;
          case 16 -> types.I16;
          case 32 -> types.I32;
          default -> types.I64;
        };
      case FLOAT:
        return ((ArrowType.FloatingPoint) type).getPrecision() == FloatingPointPrecision.SINGLE
            ? types.FP32 : types.FP64;
      case DECIMAL:
        return types.decimal(((ArrowType.Decimal) type).getPrecision(), ((ArrowType.Decimal) type).getScale());
      case STRING:
        return types.STRING;
      case BOOLEAN:
        return types.BOOLEAN;
      case DATE:
        return types.DATE;
      case TIMESTAMP:
        ArrowType.Timestamp timestamp = (ArrowType.Timestamp) type;
        if (timestamp.getUnit() == TimeUnit.MICROSECOND) {
          return timestamp.getTimezone() == null ? types.TIMESTAMP : types.TIMESTAMP_TZ;
        }
        return timestamp.getTimezone() == null
            ? types.precisionTimestamp(precision(timestamp))
            : types.precisionTimestampTZ(precision(timestamp));
      default:
        return types.BINARY;
    }
  }

  /** Nanosecond values lose their last three digits; the filter language rarely has them. */
  private static long toMicros(long value, ArrowType.Timestamp type) {
    return switch (type.getUnit()) {
      case SECOND -> value * 1_000_000;
      case MILLISECOND -> value * 1_000;
      case MICROSECOND -> value;
      case NANOSECOND -> Math.floorDiv(value, 1_000);
    };
  }

  private static int precision(ArrowType.Timestamp type) {
    return switch (type.getUnit()) {
      case SECOND -> 0;
      case MILLISECOND -> 3;
      case MICROSECOND -> 6;
      case NANOSECOND -> 9;
    };
  }
}
