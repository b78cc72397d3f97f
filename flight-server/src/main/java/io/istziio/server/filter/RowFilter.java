package io.istziio.server.filter;

import io.istziio.client.protocol.ReadTicket;
import io.istziio.server.Errors;
import io.istziio.server.parquet.ParquetFooter;
import java.util.Base64;
import java.util.List;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A ticket's row predicate, either the filter language (parsed as soon as the ticket arrives, so a
 * syntax error costs no download) or a Substrait ExtendedExpression made by another tool.
 */
public final class RowFilter {

  /**
   * The predicate compiled for one file.
   *
   * @param substrait the ExtendedExpression for Arrow's scanner; null for a filter the node runs
   *     in Java ({@link #inJava})
   * @param bound the checked filter, or null for an outside Substrait expression
   */
  public record Compiled(byte[] substrait, BoundFilter bound) {

    /**
     * Whether the native scanner must not run the filter ({@link BoundFilter#isNative}): the disk
     * path scans unfiltered and filters in Java ({@link FilteringReader}); substrait is null.
     */
    public boolean inJava() {
      return substrait == null;
    }

    /**
     * The row groups the scan skips by their statistics: those the filter rules out when the
     * native scanner runs it; none when the filter runs in Java; unknown for an outside Substrait
     * expression.
     */
    public RowGroupPruner.Pruning prune(ParquetFooter footer) {
      return bound == null ? RowGroupPruner.Pruning.UNKNOWN
          : inJava() ? RowGroupPruner.Pruning.none(footer) : RowGroupPruner.prune(bound, footer);
    }
  }

  /**
   * The most Expression nodes an outside Substrait expression may hold. A filter-language term
   * compiles to about four (a comparison, its column, its literal, its share of the ANDs and ORs),
   * so this is the node's {@link FilterParser#MAX_TERMS} in Substrait's terms, with the same
   * reason: Arrow C++ recurses over the expression on the native stack.
   */
  public static final int MAX_SUBSTRAIT_EXPRESSIONS = 4 * FilterParser.MAX_TERMS;

  private final Filter parsed;
  private final byte[] substrait;

  private RowFilter(Filter parsed, byte[] substrait) {
    this.parsed = parsed;
    this.substrait = substrait;
  }

  /** The ticket's predicate, or null if it has none. */
  public static RowFilter of(ReadTicket ticket) {
    if (ticket.filter() != null) {
      return new RowFilter(FilterParser.parse(ticket.filter()), null);
    }
    if (ticket.substrait() != null) {
      byte[] bytes;
      try {
        bytes = Base64.getDecoder().decode(ticket.substrait().trim());
      } catch (IllegalArgumentException e) {
        throw Errors.invalid("\"substrait\" is not base64 (%s); send the serialized "
            + "ExtendedExpression base64-encoded", e.getMessage());
      }
      return new RowFilter(null, bytes);
    }
    return null;
  }

  /** A filter-language predicate already parsed (a dataset's filter with partitions put in). */
  public static RowFilter of(Filter parsed) {
    return new RowFilter(parsed, null);
  }

  /** The parsed predicate; null for an outside Substrait expression. */
  public Filter parsed() {
    return parsed;
  }

  /** Whether it is the filter language, which {@link BatchFilter} runs too. */
  public boolean isParsed() {
    return parsed != null;
  }

  /**
   * Checks the predicate against the file's schema, for evaluation in Java ({@link BatchFilter});
   * null for an outside Substrait expression, which only Arrow's scanner can run.
   *
   * @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT for a predicate that
   *     does not fit the file
   */
  public BoundFilter bind(Schema schema) {
    return parsed != null ? FilterBinder.bind(parsed, schema) : null;
  }

  /**
   * Checks the predicate against the file's schema and compiles it for the scanner; nothing it
   * lets through can crash the native scanner.
   *
   * @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT for a predicate that
   *     does not fit the file or is larger than {@link #MAX_SUBSTRAIT_EXPRESSIONS} expressions;
   *     UNIMPLEMENTED for an outside Substrait expression that uses a type the native scanner
   *     cannot take (a decimal of more than 38 digits); a filter-language filter on such a column
   *     runs in Java ({@link Compiled#inJava})
   */
  public Compiled compile(Schema schema) {
    if (parsed != null) {
      BoundFilter bound = FilterBinder.bind(parsed, schema);
      return new Compiled(BoundFilter.isNative(bound) ? SubstraitWriter.write(bound, schema) : null,
          bound);
    }
    checkExternal(schema);
    return new Compiled(substrait, null);
  }

  /**
   * An outside expression refers to columns by position, so its base schema must be the file's
   * columns in file order; say so plainly rather than let the scanner misread it.
   */
  private void checkExternal(Schema schema) {
    io.substrait.proto.ExtendedExpression expression;
    try {
      expression = io.substrait.proto.ExtendedExpression.parseFrom(substrait);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw Errors.invalid("\"substrait\" is not a Substrait ExtendedExpression (%s)", e.getMessage());
    }
    if (expression.getReferredExprCount() != 1 || !expression.getReferredExpr(0).hasExpression()) {
      throw Errors.invalid("the Substrait ExtendedExpression must hold exactly one boolean "
          + "expression; it holds %d", expression.getReferredExprCount());
    }
    List<io.substrait.proto.Type> baseTypes = expression.getBaseSchema().getStruct().getTypesList();
    for (int i = 0; i < baseTypes.size(); i++) {
      String column = i < schema.getFields().size() ? schema.getFields().get(i).getName() : "#" + i;
      checkNative(baseTypes.get(i), "column \"" + Errors.shorten(column) + "\" of its base schema");
    }
    int expressions = checkNative(expression.getReferredExpr(0), "its expression");
    if (expressions > MAX_SUBSTRAIT_EXPRESSIONS) {
      throw Errors.invalid("the Substrait expression has %d nodes; at most %d are taken (a "
          + "filter of %d terms); split the read into several", expressions,
          MAX_SUBSTRAIT_EXPRESSIONS, FilterParser.MAX_TERMS);
    }
    List<String> fileColumns = schema.getFields().stream().map(Field::getName).toList();
    boolean flat = schema.getFields().stream().allMatch(f -> f.getChildren().isEmpty());
    List<String> baseColumns = expression.getBaseSchema().getNamesList();
    if (flat && !baseColumns.equals(fileColumns)) {
      throw Errors.invalid("the Substrait expression's base schema %s is not the file's columns "
          + "in file order %s; build the expression against the file's schema", baseColumns,
          fileColumns);
    }
  }

  /**
   * Walks every message under {@code message}: refuses the decimals that Arrow C++ aborts on
   * (precision outside [1, 38], in a type or a literal, at any depth) and counts the Expression
   * nodes. The recursion is bounded by protobuf's own nesting limit of 100 when it parsed them.
   *
   * @param where where the message sits, for the error
   * @return how many Expression nodes it holds
   */
  private static int checkNative(com.google.protobuf.Message message, String where) {
    int precision = -1;
    if (message instanceof io.substrait.proto.Type.Decimal decimal) {
      precision = decimal.getPrecision();
    } else if (message instanceof io.substrait.proto.Expression.Literal.Decimal decimal) {
      precision = decimal.getPrecision();
    }
    if (precision != -1 && (precision < 1 || precision > ColumnKind.MAX_DECIMAL_PRECISION)) {
      throw Errors.unimplemented("the Substrait expression has a decimal(%d,%d) in %s: the node's "
          + "native scanner takes decimals of 1 to %d digits; read without a filter on that "
          + "column (or filter in the client)", precision, message instanceof io.substrait.proto.Type.Decimal type
              ? type.getScale() : ((io.substrait.proto.Expression.Literal.Decimal) message).getScale(),
          where, ColumnKind.MAX_DECIMAL_PRECISION);
    }
    int expressions = message instanceof io.substrait.proto.Expression ? 1 : 0;
    for (Object value : message.getAllFields().values()) {
      if (value instanceof com.google.protobuf.Message child) {
        expressions += checkNative(child, where);
      } else if (value instanceof List<?> list) {
        for (Object element : list) {
          if (element instanceof com.google.protobuf.Message child) {
            expressions += checkNative(child, where);
          }
        }
      }
    }
    return expressions;
  }
}
