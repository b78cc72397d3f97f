package io.istziio.server.filter;

import io.istziio.server.Errors;
import io.istziio.server.filter.Filter.Column;
import io.istziio.server.filter.Filter.Literal;
import io.istziio.server.filter.Filter.LiteralKind;
import io.istziio.server.filter.Filter.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses the filter language, a small SQL {@code WHERE} clause:
 *
 * <pre>
 * filter     := or
 * or         := and ("OR" and)*
 * and        := not ("AND" not)*
 * not        := "NOT" not | predicate
 * predicate  := "(" filter ")"
 *             | operand op operand
 *             | column ["NOT"] "BETWEEN" literal "AND" literal
 *             | column ["NOT"] "IN" "(" literal ("," literal)* ")"
 *             | column "IS" ["NOT"] "NULL"
 *             | column                              (a boolean column)
 * op         := "=" | "!=" | "&lt;&gt;" | "&lt;" | "&lt;=" | "&gt;" | "&gt;="
 * operand    := column | literal
 * column     := identifier | "double-quoted name"
 * literal    := ["-"] number | 'string' | TRUE | FALSE | NULL | DATE 'yyyy-mm-dd'
 *             | TIMESTAMP 'yyyy-mm-dd hh:mm:ss[.fraction]'
 * </pre>
 *
 * Keywords are case-insensitive. Errors name the position and what was expected there.
 *
 * <p>A filter may have at most {@link #MAX_TERMS} terms and nest {@link #MAX_DEPTH} levels: Arrow
 * C++ evaluates the compiled expression recursively on the calling thread's native stack, and a
 * larger one can overflow it and kill the node (SIGSEGV).
 */
public final class FilterParser {

  private enum Type { WORD, QUOTED_NAME, NUMBER, STRING, SYMBOL, END }

  private record Token(Type type, String text, int position) {
    boolean isWord(String word) {
      return type == Type.WORD && text.equalsIgnoreCase(word);
    }

    boolean isSymbol(String symbol) {
      return type == Type.SYMBOL && text.equals(symbol);
    }

    String describe() {
      return switch (type) {
        case END -> "the end of the filter";
        case STRING -> "'" + Errors.shorten(text) + "'";
        default -> "\"" + Errors.shorten(text) + "\"";
      };
    }
  }

  /** Words that cannot name a column unquoted. DATE and TIMESTAMP can: only 'string' follows them as prefixes. */
  private static final List<String> RESERVED = List.of("AND", "OR", "NOT", "BETWEEN", "IN", "IS",
      "NULL", "TRUE", "FALSE");
  private static final int MAX_DEPTH = 200;

  /**
   * The most terms a filter may have: each comparison, IS NULL, boolean column and IN value
   * counts one, a BETWEEN two (its two comparisons). Arrow C++ flattens a chain of ANDs or ORs and
   * recurses once per operand: on a thread with the JVM's default 1 MiB stack, 1,200 terms ran and
   * 1,500 overflowed it (SIGSEGV), about 0.7 KiB a term. 1,000 keeps a margin even there; the
   * node's stream threads, which run the scans, have 16 MiB (Node), room for about 20,000.
   */
  public static final int MAX_TERMS = 1_000;

  private final String text;
  private final List<Token> tokens;
  private int next;
  private int depth;
  private int terms;

  private FilterParser(String text) {
    this.text = text;
    this.tokens = tokenize(text);
  }

  /**
   * Parses a filter.
   *
   * @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT naming the position of
   *     a syntax error, or when the filter has more than {@link #MAX_TERMS} terms or nests deeper
   *     than {@link #MAX_DEPTH} levels (limits that keep the native scanner within its stack)
   */
  public static Filter parse(String text) {
    FilterParser parser = new FilterParser(text);
    Filter filter = parser.or();
    Token end = parser.peek();
    if (end.type() != Type.END) {
      throw parser.error(end, "AND, OR or the end of the filter");
    }
    if (parser.terms > MAX_TERMS) {
      throw Errors.invalid("the filter has %d terms; a filter may have at most %d (each "
          + "comparison, IS NULL and IN value counts one, BETWEEN two): split the read into "
          + "several, or filter part of it in the client", parser.terms, MAX_TERMS);
    }
    return filter;
  }

  private Filter or() {
    List<Filter> operands = new ArrayList<>(List.of(and()));
    while (peek().isWord("OR")) {
      next++;
      operands.add(and());
    }
    return operands.size() == 1 ? operands.get(0) : new Filter.Or(operands);
  }

  private Filter and() {
    List<Filter> operands = new ArrayList<>(List.of(not()));
    while (peek().isWord("AND")) {
      next++;
      operands.add(not());
    }
    return operands.size() == 1 ? operands.get(0) : new Filter.And(operands);
  }

  private Filter not() {
    if (++depth > MAX_DEPTH) {
      throw syntaxError(text, peek().position(), "the filter nests deeper than " + MAX_DEPTH + " levels");
    }
    try {
      if (peek().isWord("NOT")) {
        next++;
        return new Filter.Not(not());
      }
      return predicate();
    } finally {
      depth--;
    }
  }

  private Filter predicate() {
    Token token = peek();
    if (token.isSymbol("(")) {
      next++;
      Filter inner = or();
      expectSymbol(")", "\")\" to close the \"(\" at position " + token.position());
      return inner;
    }
    Filter.Operand left = operand("a column name or a value");
    Token after = peek();
    if (left instanceof Column column) {
      boolean negated = false;
      if (after.isWord("NOT") && (peekAt(1).isWord("BETWEEN") || peekAt(1).isWord("IN"))) {
        next++;
        negated = true;
        after = peek();
      }
      if (after.isWord("BETWEEN")) {
        next++;
        Literal low = literal("the lower bound of BETWEEN");
        expectWord("AND", "AND between the two bounds of BETWEEN");
        Literal high = literal("the upper bound of BETWEEN");
        terms += 2;
        return new Filter.Between(column, low, high, negated);
      }
      if (after.isWord("IN")) {
        next++;
        expectSymbol("(", "\"(\" to open the IN list");
        List<Literal> values = new ArrayList<>(List.of(literal("a value in the IN list")));
        while (peek().isSymbol(",")) {
          next++;
          values.add(literal("a value in the IN list"));
        }
        expectSymbol(")", "\",\" or \")\" in the IN list");
        terms += values.size();
        return new Filter.In(column, values, negated);
      }
      if (after.isWord("IS")) {
        next++;
        boolean not = false;
        if (peek().isWord("NOT")) {
          next++;
          not = true;
        }
        expectWord("NULL", "NULL after IS" + (not ? " NOT" : ""));
        terms++;
        return new Filter.IsNull(column, not);
      }
      if (!isComparison(after)) {
        terms++;
        return new Filter.BooleanColumn(column);
      }
    }
    if (!isComparison(after)) {
      throw error(after, "a comparison (=, !=, <>, <, <=, >, >=) after " + describe(left));
    }
    next++;
    Op op = switch (after.text()) {
      case "=" -> Op.EQ;
      case "!=", "<>" -> Op.NE;
      case "<" -> Op.LT;
      case "<=" -> Op.LE;
      case ">" -> Op.GT;
      default -> Op.GE;
    };
    Filter.Operand right = operand("a column name or a value after \"" + after.text() + "\"");
    terms++;
    return new Filter.Compare(left, op, right);
  }

  private static boolean isComparison(Token token) {
    return token.type() == Type.SYMBOL
        && List.of("=", "!=", "<>", "<", "<=", ">", ">=").contains(token.text());
  }

  private Filter.Operand operand(String expected) {
    Token token = peek();
    boolean typedLiteral = (token.isWord("DATE") || token.isWord("TIMESTAMP"))
        && peekAt(1).type() == Type.STRING;
    if (token.type() == Type.QUOTED_NAME || (token.type() == Type.WORD && !typedLiteral
        && !RESERVED.contains(token.text().toUpperCase(Locale.ROOT)))) {
      next++;
      return new Column(token.text(), token.position());
    }
    return literal(expected);
  }

  private Literal literal(String expected) {
    Token token = peek();
    int position = token.position();
    if (token.isSymbol("-") && peekAt(1).type() == Type.NUMBER) {
      next += 2;
      return number("-" + peekAt(-1).text(), position);
    }
    next++;
    if (token.type() == Type.NUMBER) {
      return number(token.text(), position);
    }
    if (token.type() == Type.STRING) {
      return new Literal(LiteralKind.STRING, token.text(), position);
    }
    if (token.isWord("TRUE") || token.isWord("FALSE")) {
      return new Literal(LiteralKind.BOOLEAN, token.text().toLowerCase(Locale.ROOT), position);
    }
    if (token.isWord("NULL")) {
      return new Literal(LiteralKind.NULL, "NULL", position);
    }
    if (token.isWord("DATE") || token.isWord("TIMESTAMP")) {
      Token value = peek();
      if (value.type() != Type.STRING) {
        throw error(value, "a quoted value after " + token.text().toUpperCase(Locale.ROOT)
            + ", such as " + (token.isWord("DATE") ? "DATE '2024-01-31'" : "TIMESTAMP '2024-01-31 12:00:00'"));
      }
      next++;
      return new Literal(token.isWord("DATE") ? LiteralKind.DATE : LiteralKind.TIMESTAMP,
          value.text(), position);
    }
    next--;
    throw error(token, expected);
  }

  private static Literal number(String text, int position) {
    boolean integer = text.chars().allMatch(c -> Character.isDigit(c) || c == '-');
    return new Literal(integer ? LiteralKind.INTEGER : LiteralKind.DECIMAL, text, position);
  }

  private static String describe(Filter.Operand operand) {
    return operand instanceof Column column ? "column \"" + Errors.shorten(column.name()) + "\""
        : Errors.shorten(operand.toString());
  }

  private void expectSymbol(String symbol, String expected) {
    if (!peek().isSymbol(symbol)) {
      throw error(peek(), expected);
    }
    next++;
  }

  private void expectWord(String word, String expected) {
    if (!peek().isWord(word)) {
      throw error(peek(), expected);
    }
    next++;
  }

  private Token peek() {
    return peekAt(0);
  }

  private Token peekAt(int offset) {
    int index = Math.max(0, Math.min(next + offset, tokens.size() - 1));
    return tokens.get(index);
  }

  private RuntimeException error(Token token, String expected) {
    return syntaxError(text, token.position(), "expected " + expected + ", found " + token.describe());
  }

  /**
   * The problem, then the text around the position with a caret under it. Only a window of the
   * text is shown, so that a long filter still fits in a status message.
   */
  private static RuntimeException syntaxError(String text, int position, String problem) {
    int start = Math.max(0, position - EXCERPT_CHARS);
    int end = Math.min(text.length(), position + EXCERPT_CHARS);
    String before = start > 0 ? "..." : "";
    String excerpt = before + text.substring(start, end) + (end < text.length() ? "..." : "");
    // The problem is part of the format (its user input already shortened) so that Errors does
    // not cut it as if it were one piece of input.
    return Errors.invalid("filter does not parse at position %d: " + problem.replace("%", "%%")
        + "%n  %s%n  %s^", position, excerpt, " ".repeat(before.length() + position - start));
  }

  /** Characters of the filter shown on each side of a syntax error. */
  private static final int EXCERPT_CHARS = 60;

  private static List<Token> tokenize(String text) {
    List<Token> tokens = new ArrayList<>();
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (Character.isLetter(c) || c == '_') {
        int start = i;
        while (i < text.length() && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_')) {
          i++;
        }
        tokens.add(new Token(Type.WORD, text.substring(start, i), start));
      } else if (Character.isDigit(c) || (c == '.' && i + 1 < text.length() && Character.isDigit(text.charAt(i + 1)))) {
        int start = i;
        while (i < text.length() && (Character.isDigit(text.charAt(i)) || text.charAt(i) == '.')) {
          i++;
        }
        if (i < text.length() && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
          i++;
          if (i < text.length() && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
            i++;
          }
          int digits = i;
          while (i < text.length() && Character.isDigit(text.charAt(i))) {
            i++;
          }
          if (i == digits) {
            throw syntaxError(text, i, "expected the digits of the exponent in \""
                + Errors.shorten(text.substring(start, i)) + "\"");
          }
        }
        String number = text.substring(start, i);
        if (number.chars().filter(ch -> ch == '.').count() > 1) {
          throw syntaxError(text, start, "\"" + Errors.shorten(number) + "\" is not a number");
        }
        tokens.add(new Token(Type.NUMBER, number, start));
      } else if (c == '\'' || c == '"') {
        int start = i;
        StringBuilder value = new StringBuilder();
        i++;
        while (true) {
          if (i >= text.length()) {
            throw syntaxError(text, start, "the " + (c == '\'' ? "string" : "quoted name")
                + " opened here is never closed with " + c);
          }
          if (text.charAt(i) == c) {
            if (i + 1 < text.length() && text.charAt(i + 1) == c) { // doubled quote escapes itself
              value.append(c);
              i += 2;
              continue;
            }
            i++;
            break;
          }
          value.append(text.charAt(i++));
        }
        tokens.add(new Token(c == '\'' ? Type.STRING : Type.QUOTED_NAME, value.toString(), start));
      } else {
        String two = i + 1 < text.length() ? text.substring(i, i + 2) : "";
        if (two.equals("<=") || two.equals(">=") || two.equals("!=") || two.equals("<>")) {
          tokens.add(new Token(Type.SYMBOL, two, i));
          i += 2;
        } else if ("=<>(),-".indexOf(c) >= 0) {
          tokens.add(new Token(Type.SYMBOL, String.valueOf(c), i));
          i++;
        } else if (c == '.' && followsWord(tokens, i)) {
          throw syntaxError(text, i, "unexpected '.': filters compare top-level columns only, not "
              + "fields inside a struct; double-quote a column whose name has a dot (\"s.a\")");
        } else {
          throw syntaxError(text, i, "unexpected character '" + c + "'");
        }
      }
    }
    tokens.add(new Token(Type.END, "", text.length()));
    return tokens;
  }

  /** Whether the last token is a bare word that ends right at {@code position} ("s" in s.a). */
  private static boolean followsWord(List<Token> tokens, int position) {
    Token last = tokens.isEmpty() ? null : tokens.get(tokens.size() - 1);
    return last != null && last.type() == Type.WORD
        && last.position() + last.text().length() == position;
  }
}
