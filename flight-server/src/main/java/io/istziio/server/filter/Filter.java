package io.istziio.server.filter;

import java.util.List;

/**
 * A parsed row predicate, before it meets a file's schema. Positions are 0-based character
 * offsets into the filter text, for error messages.
 */
public sealed interface Filter {

  /** Comparison operators, with the name of the Substrait function each one compiles to. */
  enum Op {
    EQ("=", "equal"), NE("!=", "not_equal"), LT("<", "lt"), LE("<=", "lte"), GT(">", "gt"),
    GE(">=", "gte");

    final String symbol;
    final String function;

    Op(String symbol, String function) {
      this.symbol = symbol;
      this.function = function;
    }

    /** The operator that gives the same answer with its operands swapped: a < b is b > a. */
    public Op flipped() {
      return switch (this) {
        case LT -> GT;
        case LE -> GE;
        case GT -> LT;
        case GE -> LE;
        default -> this;
      };
    }

    /** The operator true exactly where this one is false (for non-null operands). */
    Op negated() {
      return switch (this) {
        case EQ -> NE;
        case NE -> EQ;
        case LT -> GE;
        case LE -> GT;
        case GT -> LE;
        case GE -> LT;
      };
    }
  }

  /** What a literal looked like in the text; its type is decided against the column's. */
  enum LiteralKind { INTEGER, DECIMAL, STRING, BOOLEAN, DATE, TIMESTAMP, NULL }

  /** An operand: a column or a literal. */
  sealed interface Operand permits Column, Literal {
    int position();
  }

  record Column(String name, int position) implements Operand {}

  record Literal(LiteralKind kind, String text, int position) implements Operand {
    @Override
    public String toString() {
      return switch (kind) {
        case STRING -> "'" + text.replace("'", "''") + "'";
        case DATE -> "DATE '" + text + "'";
        case TIMESTAMP -> "TIMESTAMP '" + text + "'";
        default -> text;
      };
    }
  }

  record Compare(Operand left, Op op, Operand right) implements Filter {}

  record Between(Column column, Literal low, Literal high, boolean negated) implements Filter {}

  record In(Column column, List<Literal> values, boolean negated) implements Filter {}

  record IsNull(Column column, boolean negated) implements Filter {}

  /** A boolean column used as a predicate on its own: {@code WHERE flag}. */
  record BooleanColumn(Column column) implements Filter {}

  record And(List<Filter> operands) implements Filter {}

  record Or(List<Filter> operands) implements Filter {}

  record Not(Filter operand) implements Filter {}
}
