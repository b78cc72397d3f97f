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
   * @param substrait the ExtendedExpression for Arrow's scanner
   * @param bound the checked filter, or null for an outside Substrait expression
   */
  public record Compiled(byte[] substrait, BoundFilter bound) {

    /** The row groups statistics rule out; unknown for an outside Substrait expression. */
    public RowGroupPruner.Pruning prune(ParquetFooter footer) {
      return bound == null ? RowGroupPruner.Pruning.UNKNOWN : RowGroupPruner.prune(bound, footer);
    }
  }

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

  /** Checks the predicate against the file's schema and compiles it for the scanner. */
  public Compiled compile(Schema schema) {
    if (parsed != null) {
      BoundFilter bound = FilterBinder.bind(parsed, schema);
      return new Compiled(SubstraitWriter.write(bound, schema), bound);
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
    List<String> fileColumns = schema.getFields().stream().map(Field::getName).toList();
    boolean flat = schema.getFields().stream().allMatch(f -> f.getChildren().isEmpty());
    List<String> baseColumns = expression.getBaseSchema().getNamesList();
    if (flat && !baseColumns.equals(fileColumns)) {
      throw Errors.invalid("the Substrait expression's base schema %s is not the file's columns "
          + "in file order %s; build the expression against the file's schema", baseColumns,
          fileColumns);
    }
  }
}
