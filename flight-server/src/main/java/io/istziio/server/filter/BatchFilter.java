package io.istziio.server.filter;

import io.istziio.server.filter.BoundFilter.Field;
import io.istziio.server.filter.Filter.Op;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.util.Float16;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BaseLargeVariableWidthVector;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;

/**
 * A {@link BoundFilter} compiled once into an evaluator over decoded record batches, for answering a
 * filtered read from batches held in memory with exactly the rows Arrow's native scanner (Acero,
 * running the filter as {@link SubstraitWriter} writes it) would return from the file.
 *
 * <p>Semantics, pyarrow.compute's, as checked against the scanner in BatchFilterTest and against
 * pyarrow in scripts/python/test_filter_types.py: SQL three-valued logic (a row is selected only
 * where the predicate is TRUE; Kleene AND/OR; NOT NULL is NULL); floats of every width compare as
 * IEEE doubles (literals are bound rounded to the column's precision), so NaN is false under =,
 * &lt;, &lt;=, &gt;, &gt;= and true under !=, and -0.0 = 0.0; integers of any sign and width
 * compare exactly; decimals compare their unscaled values (literals are bound at the column's
 * scale); strings and binaries compare as unsigned bytes; timestamps, times and durations as
 * numbers in the column's unit; dates as days (date64 as milliseconds); false &lt; true. IN is an
 * OR of equalities and BETWEEN an AND of two bounds, as in the Substrait the scanner gets.
 *
 * <p>Evaluation is column-at-a-time into bitmaps of TRUE and FALSE rows (NULL is neither), read
 * straight from the vectors' buffers: no per-row boxing or virtual call. Instances are immutable
 * and may be shared by any number of threads.
 */
public final class BatchFilter {

  private final Node root;

  private BatchFilter(Node root) {
    this.root = root;
  }

  /**
   * Compiles a filter bound to a file's schema.
   *
   * @throws IllegalArgumentException if the filter compares a column of a kind ColumnKind does not
   *     admit (FilterBinder never produces one)
   */
  public static BatchFilter compile(BoundFilter filter) {
    return new BatchFilter(node(filter));
  }

  /**
   * The positions, ascending, of the rows of {@code batch} for which the filter is TRUE.
   *
   * @param batch every column of the file, in file order (vector i is the file's field i, as
   *     {@link BoundFilter.Field#index()} counts), with the file's types, not dictionary-encoded
   * @throws IllegalArgumentException if a column the filter reads is missing, of another type than
   *     the filter was bound to, or dictionary-encoded
   */
  public int[] select(VectorSchemaRoot batch) {
    int rows = batch.getRowCount();
    int words = (rows + 63) >>> 6;
    long[] t = new long[words];
    long[] f = new long[words];
    root.eval(batch, rows, t, f);
    int count = 0;
    for (long word : t) {
      count += Long.bitCount(word);
    }
    int[] selected = new int[count];
    int next = 0;
    for (int w = 0; w < words; w++) {
      long word = t[w];
      while (word != 0) {
        selected[next++] = (w << 6) + Long.numberOfTrailingZeros(word);
        word &= word - 1;
      }
    }
    return selected;
  }

  // ---- the tree ----

  /** A predicate over a batch: sets t where it is TRUE and f where it is FALSE (NULL: neither). */
  private abstract static class Node {
    abstract void eval(VectorSchemaRoot batch, int rows, long[] t, long[] f);
  }

  private static final class And extends Node {
    private final Node[] operands;

    And(Node[] operands) {
      this.operands = operands;
    }

    @Override
    void eval(VectorSchemaRoot batch, int rows, long[] t, long[] f) {
      operands[0].eval(batch, rows, t, f);
      long[] t2 = new long[t.length];
      long[] f2 = new long[f.length];
      for (int k = 1; k < operands.length; k++) {
        operands[k].eval(batch, rows, t2, f2);
        for (int w = 0; w < t.length; w++) { // Kleene: FALSE wins over NULL
          t[w] &= t2[w];
          f[w] |= f2[w];
        }
      }
    }
  }

  private static final class Or extends Node {
    private final Node[] operands;

    Or(Node[] operands) {
      this.operands = operands;
    }

    @Override
    void eval(VectorSchemaRoot batch, int rows, long[] t, long[] f) {
      operands[0].eval(batch, rows, t, f);
      long[] t2 = new long[t.length];
      long[] f2 = new long[f.length];
      for (int k = 1; k < operands.length; k++) {
        operands[k].eval(batch, rows, t2, f2);
        for (int w = 0; w < t.length; w++) { // Kleene: TRUE wins over NULL
          t[w] |= t2[w];
          f[w] &= f2[w];
        }
      }
    }
  }

  /** NOT swaps TRUE and FALSE and leaves NULL alone. */
  private static final class Not extends Node {
    private final Node operand;

    Not(Node operand) {
      this.operand = operand;
    }

    @Override
    void eval(VectorSchemaRoot batch, int rows, long[] t, long[] f) {
      operand.eval(batch, rows, f, t);
    }
  }

  private static final class IsNull extends Node {
    private final Field field;
    private final boolean negated;

    IsNull(Field field, boolean negated) {
      this.field = field;
      this.negated = negated;
    }

    @Override
    void eval(VectorSchemaRoot batch, int rows, long[] t, long[] f) {
      // Never NULL itself; NaN is not null (Acero's is_null has nan_is_null off by default).
      long[] valid = negated ? t : f;
      long[] invalid = negated ? f : t;
      validity(vector(batch, field, false), rows, valid, false);
      for (int w = 0; w < valid.length; w++) {
        invalid[w] = ~valid[w] & tailMask(rows, w);
      }
    }
  }

  /**
   * A predicate that is NULL exactly where one of its columns is null; subclasses set the rows
   * where it holds, whatever garbage null slots contain, and validity masks those out.
   */
  private abstract static class Leaf extends Node {
    final Field left;
    final Field right; // null unless two columns are compared

    Leaf(Field left, Field right) {
      this.left = left;
      this.right = right;
    }

    @Override
    final void eval(VectorSchemaRoot batch, int rows, long[] t, long[] f) {
      FieldVector a = vector(batch, left, true);
      FieldVector b = right == null ? null : vector(batch, right, true);
      Arrays.fill(t, 0);
      holds(a, b, rows, t);
      validity(a, rows, f, false);
      if (b != null) {
        validity(b, rows, f, true);
      }
      for (int w = 0; w < t.length; w++) {
        t[w] &= f[w];
        f[w] &= ~t[w];
      }
    }

    /** ORs into t a 1 for every row where the predicate holds. */
    abstract void holds(FieldVector a, FieldVector b, int rows, long[] t);
  }

  // Comparison outcomes: 0 less, 1 equal, 2 greater, 3 unordered (NaN). An operator is the set of
  // outcomes for which it is true; != holds for NaN as C++'s != does, and so does Acero.
  private static int outcomes(Op op) {
    return switch (op) {
      case LT -> 0b0001;
      case LE -> 0b0011;
      case EQ -> 0b0010;
      case GE -> 0b0110;
      case GT -> 0b0100;
      case NE -> 0b1101;
    };
  }

  /**
   * Integers (signed or unsigned), dates, times, timestamps and durations: numbers of 1, 2, 4 or
   * 8 bytes. A uint64 is compared with its sign bit flipped, which orders unsigned values as
   * signed ones; narrower unsigned values are read zero-extended.
   */
  private static final class LongCompare extends Leaf {
    private final int mask;
    private final long literal; // with the sign bit flipped for a uint64 column
    private final int widthA;
    private final int widthB;
    private final boolean unsignedA;
    private final boolean unsignedB;
    private final long bias; // Long.MIN_VALUE for a uint64 column, else 0

    LongCompare(Field left, Op op, long literal, Field right) {
      super(left, right);
      this.mask = outcomes(op);
      this.widthA = width(left.type());
      this.widthB = right == null ? 0 : width(right.type());
      this.unsignedA = isUnsigned(left.type());
      this.unsignedB = right != null && isUnsigned(right.type());
      this.bias = unsignedA && widthA == 8 ? Long.MIN_VALUE : 0;
      this.literal = literal ^ bias;
    }

    @Override
    void holds(FieldVector a, FieldVector b, int rows, long[] t) {
      long data = address(a.getDataBuffer(), (long) rows * widthA);
      if (b == null) { // the commonest leaf: one loop per width, so the JIT keeps it tight
        switch (unsignedA && widthA < 8 ? 0 : widthA) {
          case 8 -> {
            for (int i = 0; i < rows; i++) {
              long v = MemoryUtil.getLong(data + (long) i * 8) ^ bias;
              t[i >>> 6] |= (long) ((mask >>> (v < literal ? 0 : v == literal ? 1 : 2)) & 1) << i;
            }
          }
          case 4 -> {
            for (int i = 0; i < rows; i++) {
              long v = MemoryUtil.getInt(data + (long) i * 4);
              t[i >>> 6] |= (long) ((mask >>> (v < literal ? 0 : v == literal ? 1 : 2)) & 1) << i;
            }
          }
          default -> {
            for (int i = 0; i < rows; i++) {
              long v = readLong(data, widthA, unsignedA, i);
              t[i >>> 6] |= (long) ((mask >>> (v < literal ? 0 : v == literal ? 1 : 2)) & 1) << i;
            }
          }
        }
      } else { // integers of any widths and signs compare exactly, as their values
        long other = address(b.getDataBuffer(), (long) rows * widthB);
        boolean u64A = unsignedA && widthA == 8;
        boolean u64B = unsignedB && widthB == 8;
        for (int i = 0; i < rows; i++) {
          long v = readLong(data, widthA, unsignedA, i);
          long w = readLong(other, widthB, unsignedB, i);
          int c = compareExact(v, u64A, w, u64B);
          t[i >>> 6] |= (long) ((mask >>> c) & 1) << i;
        }
      }
    }
  }

  /**
   * Compares two integers each read as 64 bits, where {@code u64} says the bits are a uint64:
   * a uint64 with its top bit set exceeds every signed value.
   */
  private static int compareExact(long v, boolean u64v, long w, boolean u64w) {
    if (u64v != u64w) {
      if (u64v ? v < 0 : w < 0) { // the uint64 side is >= 2^63, or the signed side is negative
        return u64v ? 2 : 0;
      }
    }
    int c = u64v && u64w ? Long.compareUnsigned(v, w) : Long.compare(v, w);
    return c < 0 ? 0 : c == 0 ? 1 : 2;
  }

  private static final class LongIn extends Leaf {
    private final long[] sorted;
    private final int width;

    private final boolean unsigned;

    /** @param values as the column holds them: a uint64 as its bits, narrower unsigned ones as values */
    LongIn(Field field, long[] values) {
      super(field, null);
      this.sorted = Arrays.stream(values).sorted().distinct().toArray();
      this.width = width(field.type());
      this.unsigned = isUnsigned(field.type());
    }

    @Override
    void holds(FieldVector a, FieldVector b, int rows, long[] t) {
      long data = address(a.getDataBuffer(), (long) rows * width);
      for (int i = 0; i < rows; i++) {
        if (Arrays.binarySearch(sorted, readLong(data, width, unsigned, i)) >= 0) {
          t[i >>> 6] |= 1L << i;
        }
      }
    }
  }

  /** float16, float32 and float64, compared as doubles. */
  private static final class DoubleCompare extends Leaf {
    private final int mask;
    private final double literal;
    private final int widthA;
    private final int widthB;

    DoubleCompare(Field left, Op op, double literal, Field right) {
      super(left, right);
      this.mask = outcomes(op);
      this.literal = literal;
      this.widthA = width(left.type());
      this.widthB = right == null ? 0 : width(right.type());
    }

    @Override
    void holds(FieldVector a, FieldVector b, int rows, long[] t) {
      long data = address(a.getDataBuffer(), (long) rows * widthA);
      if (b == null) {
        for (int i = 0; i < rows; i++) {
          double v = readDouble(data, widthA, i);
          int c = v < literal ? 0 : v == literal ? 1 : v > literal ? 2 : 3;
          t[i >>> 6] |= (long) ((mask >>> c) & 1) << i;
        }
      } else {
        long other = address(b.getDataBuffer(), (long) rows * widthB);
        for (int i = 0; i < rows; i++) {
          double v = readDouble(data, widthA, i);
          double w = readDouble(other, widthB, i);
          int c = v < w ? 0 : v == w ? 1 : v > w ? 2 : 3;
          t[i >>> 6] |= (long) ((mask >>> c) & 1) << i;
        }
      }
    }
  }

  private static final class DoubleIn extends Leaf {
    private final double[] sorted;
    private final int width;

    DoubleIn(Field field, double[] values) {
      super(field, null);
      this.sorted = Arrays.stream(values).sorted().toArray();
      this.width = width(field.type());
    }

    @Override
    void holds(FieldVector a, FieldVector b, int rows, long[] t) {
      long data = address(a.getDataBuffer(), (long) rows * width);
      for (int i = 0; i < rows; i++) {
        double v = readDouble(data, width, i);
        // Primitive comparisons, so NaN is never found and -0.0 finds 0.0, as equality behaves.
        int low = 0;
        int high = sorted.length - 1;
        while (low <= high) {
          int mid = (low + high) >>> 1;
          if (sorted[mid] < v) {
            low = mid + 1;
          } else if (sorted[mid] > v) {
            high = mid - 1;
          } else {
            if (sorted[mid] == v) {
              t[i >>> 6] |= 1L << i;
            }
            break;
          }
        }
      }
    }
  }

  /** decimal128 and decimal256: little-endian two's-complement 64-bit words at the column's scale. */
  private static final class DecimalCompare extends Leaf {
    private final int mask;
    private final long[] literal;
    private final int words;

    DecimalCompare(Field left, Op op, BigDecimal literal, Field right) {
      super(left, right);
      this.mask = outcomes(op);
      this.words = width(left.type()) / 8;
      this.literal = literal == null ? null : decimalWords(literal, words);
    }

    @Override
    void holds(FieldVector a, FieldVector b, int rows, long[] t) {
      int bytes = words * 8;
      long data = address(a.getDataBuffer(), (long) rows * bytes);
      if (b == null) {
        for (int i = 0; i < rows; i++) {
          int c = compareDecimal(data + (long) i * bytes, words, literal);
          t[i >>> 6] |= (long) ((mask >>> c) & 1) << i;
        }
      } else { // the binder admits only columns of one decimal type, so one scale
        long other = address(b.getDataBuffer(), (long) rows * bytes);
        for (int i = 0; i < rows; i++) {
          int c = compareDecimal(data + (long) i * bytes, other + (long) i * bytes, words);
          t[i >>> 6] |= (long) ((mask >>> c) & 1) << i;
        }
      }
    }
  }

  private static final class DecimalIn extends Leaf {
    private final long[][] sorted;
    private final int words;

    DecimalIn(Field field, List<Object> values) {
      super(field, null);
      this.words = width(field.type()) / 8;
      this.sorted = values.stream().map(v -> (BigDecimal) v).distinct().sorted()
          .map(v -> decimalWords(v, words)).toArray(long[][]::new);
    }

    @Override
    void holds(FieldVector a, FieldVector b, int rows, long[] t) {
      int bytes = words * 8;
      long data = address(a.getDataBuffer(), (long) rows * bytes);
      for (int i = 0; i < rows; i++) {
        int low = 0;
        int high = sorted.length - 1;
        while (low <= high) {
          int mid = (low + high) >>> 1;
          int c = compareDecimal(data + (long) i * bytes, words, sorted[mid]);
          if (c == 2) {
            low = mid + 1;
          } else if (c == 0) {
            high = mid - 1;
          } else {
            t[i >>> 6] |= 1L << i;
            break;
          }
        }
      }
    }
  }

  /** Strings and binaries of every layout, ordered by their bytes, unsigned. */
  private static final class StringCompare extends Leaf {
    private final int mask;
    private final byte[] literal;

    StringCompare(Field left, Op op, String literal, Field right) {
      super(left, right);
      this.mask = outcomes(op);
      this.literal = literal == null ? null : literal.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    void holds(FieldVector a, FieldVector b, int rows, long[] t) {
      Bytes column = new Bytes(a, rows);
      if (b == null && (mask == 0b0010 || mask == 0b1101)) {
        // = and != only ask equal or not: strings of another length are "less", unread.
        for (int i = 0; i < rows; i++) {
          long start = column.start(i);
          long end = column.end(i);
          int c = end - start != literal.length ? 0 : compareBytes(start, end, literal);
          t[i >>> 6] |= (long) ((mask >>> c) & 1) << i;
        }
      } else if (b == null) {
        for (int i = 0; i < rows; i++) {
          int c = compareBytes(column.start(i), column.end(i), literal);
          t[i >>> 6] |= (long) ((mask >>> c) & 1) << i;
        }
      } else {
        Bytes other = new Bytes(b, rows);
        for (int i = 0; i < rows; i++) {
          int c = compareBytes(column.start(i), column.end(i), other.start(i), other.end(i));
          t[i >>> 6] |= (long) ((mask >>> c) & 1) << i;
        }
      }
    }
  }

  private static final class StringIn extends Leaf {
    private final byte[][] sorted;

    StringIn(Field field, List<Object> values) {
      super(field, null);
      this.sorted = values.stream().map(v -> ((String) v).getBytes(StandardCharsets.UTF_8))
          .sorted(Arrays::compareUnsigned).toArray(byte[][]::new);
    }

    @Override
    void holds(FieldVector a, FieldVector b, int rows, long[] t) {
      Bytes column = new Bytes(a, rows);
      for (int i = 0; i < rows; i++) {
        long start = column.start(i);
        long end = column.end(i);
        int low = 0;
        int high = sorted.length - 1;
        while (low <= high) {
          int mid = (low + high) >>> 1;
          int c = compareBytes(start, end, sorted[mid]);
          if (c == 2) {
            low = mid + 1;
          } else if (c == 0) {
            high = mid - 1;
          } else {
            t[i >>> 6] |= 1L << i;
            break;
          }
        }
      }
    }
  }

  /** Booleans: false &lt; true. A bare boolean column is the comparison "= true". */
  private static final class BooleanCompare extends Leaf {
    private final int mask;
    private final int literal;

    BooleanCompare(Field left, Op op, boolean literal, Field right) {
      super(left, right);
      this.mask = outcomes(op);
      this.literal = literal ? 1 : 0;
    }

    @Override
    void holds(FieldVector a, FieldVector b, int rows, long[] t) {
      long data = address(a.getDataBuffer(), (rows + 7) / 8);
      long other = b == null ? 0 : address(b.getDataBuffer(), (rows + 7) / 8);
      for (int i = 0; i < rows; i++) {
        int v = (MemoryUtil.getByte(data + (i >>> 3)) >>> (i & 7)) & 1;
        int w = b == null ? literal : (MemoryUtil.getByte(other + (i >>> 3)) >>> (i & 7)) & 1;
        int c = v < w ? 0 : v == w ? 1 : 2;
        t[i >>> 6] |= (long) ((mask >>> c) & 1) << i;
      }
    }
  }

  // ---- compiling ----

  private static Node node(BoundFilter filter) {
    if (filter instanceof BoundFilter.And and) {
      return new And(and.operands().stream().map(BatchFilter::node).toArray(Node[]::new));
    }
    if (filter instanceof BoundFilter.Or or) {
      return new Or(or.operands().stream().map(BatchFilter::node).toArray(Node[]::new));
    }
    if (filter instanceof BoundFilter.Not not) {
      return new Not(node(not.operand()));
    }
    if (filter instanceof BoundFilter.IsNull isNull) {
      return new IsNull(isNull.field(), isNull.negated());
    }
    if (filter instanceof BoundFilter.IsTrue isTrue) {
      return compare(isTrue.field(), Op.EQ, true);
    }
    if (filter instanceof BoundFilter.Compare compare) {
      return compare(compare.field(), compare.op(), compare.value());
    }
    if (filter instanceof BoundFilter.Between between) { // as SubstraitWriter: low <= x AND x <= high
      return new And(new Node[] {compare(between.field(), Op.GE, between.low()),
          compare(between.field(), Op.LE, between.high())});
    }
    if (filter instanceof BoundFilter.In in) {
      return in(in.field(), in.values());
    }
    BoundFilter.CompareFields fields = (BoundFilter.CompareFields) filter;
    Field a = fields.left();
    Field b = fields.right();
    return switch (kind(a)) {
      case INTEGER, UNSIGNED, DATE, TIME, TIMESTAMP, DURATION -> new LongCompare(a, fields.op(), 0, b);
      case FLOAT -> new DoubleCompare(a, fields.op(), 0, b);
      case DECIMAL -> new DecimalCompare(a, fields.op(), null, b);
      case STRING, BINARY -> new StringCompare(a, fields.op(), null, b);
      case BOOLEAN -> new BooleanCompare(a, fields.op(), false, b);
      default -> throw unsupported(a);
    };
  }

  private static Node compare(Field field, Op op, Object value) {
    return switch (kind(field)) {
      case INTEGER, UNSIGNED, DATE, TIME, TIMESTAMP, DURATION ->
          new LongCompare(field, op, longValue(field, value), null);
      case FLOAT -> new DoubleCompare(field, op, (Double) value, null);
      case DECIMAL -> new DecimalCompare(field, op, (BigDecimal) value, null);
      case STRING, BINARY -> new StringCompare(field, op, (String) value, null);
      case BOOLEAN -> new BooleanCompare(field, op, (Boolean) value, null);
      default -> throw unsupported(field);
    };
  }

  /** IN is an OR of equalities: NULL for a null row, otherwise TRUE or FALSE (never NULL). */
  private static Node in(Field field, List<Object> values) {
    return switch (kind(field)) {
      case INTEGER, UNSIGNED, DATE, TIME, TIMESTAMP, DURATION ->
          new LongIn(field, values.stream().mapToLong(v -> longValue(field, v)).toArray());
      case FLOAT -> new DoubleIn(field, values.stream().mapToDouble(v -> (Double) v).toArray());
      case DECIMAL -> new DecimalIn(field, values);
      case STRING, BINARY -> new StringIn(field, values);
      case BOOLEAN -> {
        List<Node> equalities = new ArrayList<>();
        for (Object value : values) {
          equalities.add(compare(field, Op.EQ, value));
        }
        yield new Or(equalities.toArray(Node[]::new));
      }
      default -> throw unsupported(field);
    };
  }

  /** A bound value as the column stores it: a date as days, or as milliseconds for date64. */
  private static long longValue(Field field, Object value) {
    if (field.type() instanceof ArrowType.Date date) {
      long days = (Integer) value;
      return date.getUnit() == DateUnit.DAY ? days : days * 86_400_000L;
    }
    return (Long) value;
  }

  private static boolean isUnsigned(ArrowType type) {
    return type instanceof ArrowType.Int integer && !integer.getIsSigned();
  }

  private static ColumnKind kind(Field field) {
    return ColumnKind.of(field.type());
  }

  private static IllegalArgumentException unsupported(Field field) {
    return new IllegalArgumentException("column \"" + field.name() + "\" has type "
        + ColumnKind.describe(field.type()) + ", which filters cannot compare");
  }

  // ---- reading vectors ----

  /** The batch's vector for a bound field, checked to be what the filter was bound to. */
  private static FieldVector vector(VectorSchemaRoot batch, Field field, boolean compared) {
    List<FieldVector> vectors = batch.getFieldVectors();
    if (field.index() >= vectors.size()) {
      throw new IllegalArgumentException("the batch has " + vectors.size() + " columns; the "
          + "filter reads column " + field.index() + " (\"" + field.name() + "\"): pass every "
          + "column of the file, in file order");
    }
    FieldVector vector = vectors.get(field.index());
    org.apache.arrow.vector.types.pojo.Field actual = vector.getField();
    if (!actual.getName().equals(field.name()) || !actual.getType().equals(field.type())) {
      throw new IllegalArgumentException("column " + field.index() + " of the batch is \""
          + actual.getName() + "\" " + actual.getType() + "; the filter was bound to \""
          + field.name() + "\" " + field.type());
    }
    if (compared && actual.getDictionary() != null) {
      throw new IllegalArgumentException("column \"" + field.name() + "\" is dictionary-encoded; "
          + "decode it before filtering");
    }
    return vector;
  }

  /** Writes (or, with {@code and}, ANDs) into out a 1 for every non-null row, 0 past the end. */
  private static void validity(FieldVector vector, int rows, long[] out, boolean and) {
    ArrowBuf bits = vector instanceof BaseFixedWidthVector || vector instanceof BaseVariableWidthVector
        || vector instanceof BaseLargeVariableWidthVector ? vector.getValidityBuffer() : null;
    int words = (rows + 63) >>> 6;
    if (bits == null) { // nested and other vectors: ask row by row; filters rarely test them
      for (int w = 0; w < words; w++) {
        long word = 0;
        for (int i = w << 6, end = Math.min(rows, (w + 1) << 6); i < end; i++) {
          if (!vector.isNull(i)) {
            word |= 1L << i;
          }
        }
        out[w] = and ? out[w] & word : word;
      }
      return;
    }
    long capacity = bits.capacity();
    boolean allValid = capacity < (rows + 7) / 8; // no bitmap (null count 0 on import)
    for (int w = 0; w < words; w++) {
      long word;
      long at = (long) w * 8;
      if (allValid) {
        word = -1L;
      } else if (at + 8 <= capacity) {
        word = bits.getLong(at);
      } else {
        word = 0;
        for (int k = 0; at + k < capacity && k < 8; k++) {
          word |= (bits.getByte(at + k) & 0xFFL) << (8 * k);
        }
      }
      word &= tailMask(rows, w);
      out[w] = and ? out[w] & word : word;
    }
  }

  /** The bits of word w that are rows of the batch. */
  private static long tailMask(int rows, int w) {
    int left = rows - (w << 6);
    return left >= 64 ? -1L : (1L << left) - 1;
  }

  private static int width(ArrowType type) {
    return switch (type.getTypeID()) {
      case Int -> ((ArrowType.Int) type).getBitWidth() / 8;
      case FloatingPoint -> switch (((ArrowType.FloatingPoint) type).getPrecision()) {
        case HALF -> 2;
        case SINGLE -> 4;
        case DOUBLE -> 8;
      };
      case Decimal -> ((ArrowType.Decimal) type).getBitWidth() / 8;
      case Date -> ((ArrowType.Date) type).getUnit() == DateUnit.DAY ? 4 : 8;
      case Time -> ((ArrowType.Time) type).getBitWidth() / 8;
      case Timestamp, Duration -> 8;
      default -> throw new IllegalArgumentException("no fixed width for " + type);
    };
  }

  /**
   * The address of a buffer after checking it holds {@code bytes}: the loops then read memory
   * directly, since ArrowBuf's getters check bounds and reference counts on every call (unless
   * arrow.enable_unsafe_memory_access is set), which costs several times the compare itself.
   */
  private static long address(ArrowBuf buffer, long bytes) {
    if (bytes == 0) {
      return 0;
    }
    if (buffer == null || buffer.capacity() < bytes) {
      throw new IllegalArgumentException("a column buffer holds " + (buffer == null ? 0
          : buffer.capacity()) + " bytes, fewer than its " + bytes + " for the batch's rows");
    }
    return buffer.memoryAddress();
  }

  /** Value i of a column of 1-, 2-, 4- or 8-byte integers; unsigned ones zero-extended. */
  private static long readLong(long address, int width, boolean unsigned, int i) {
    return switch (width) {
      case 1 -> unsigned ? MemoryUtil.getByte(address + i) & 0xFFL : MemoryUtil.getByte(address + i);
      case 2 -> unsigned ? MemoryUtil.getShort(address + (long) i * 2) & 0xFFFFL
          : MemoryUtil.getShort(address + (long) i * 2);
      case 4 -> unsigned ? MemoryUtil.getInt(address + (long) i * 4) & 0xFFFF_FFFFL
          : MemoryUtil.getInt(address + (long) i * 4);
      default -> MemoryUtil.getLong(address + (long) i * 8);
    };
  }

  private static double readDouble(long address, int width, int i) {
    return switch (width) {
      case 2 -> Float16.toFloat(MemoryUtil.getShort(address + (long) i * 2));
      case 4 -> Float.intBitsToFloat(MemoryUtil.getInt(address + (long) i * 4));
      default -> Double.longBitsToDouble(MemoryUtil.getLong(address + (long) i * 8));
    };
  }

  /**
   * A string or binary column's values as address ranges, checked to lie in its data buffer:
   * variable-width (offsets) or fixed-size binary (value i at i * width).
   */
  private static final class Bytes {
    private final long offsets;
    private final boolean large;
    private final int fixedWidth; // 0 for a variable-width column
    private final long data;
    private final long dataBytes;

    Bytes(FieldVector vector, int rows) {
      large = vector instanceof BaseLargeVariableWidthVector;
      fixedWidth = vector instanceof FixedSizeBinaryVector fixed ? fixed.getByteWidth() : 0;
      offsets = fixedWidth > 0 ? 0
          : address(vector.getOffsetBuffer(), rows == 0 ? 0 : (rows + 1L) * (large ? 8 : 4));
      ArrowBuf buffer = vector.getDataBuffer();
      if (fixedWidth > 0) {
        address(buffer, (long) rows * fixedWidth);
      }
      dataBytes = buffer == null ? 0 : buffer.capacity();
      data = dataBytes == 0 ? 0 : buffer.memoryAddress();
    }

    long start(int i) {
      return fixedWidth > 0 ? data + (long) i * fixedWidth : at(i);
    }

    long end(int i) {
      return fixedWidth > 0 ? data + (long) (i + 1) * fixedWidth : at(i + 1);
    }

    private long at(int i) {
      long offset = large ? MemoryUtil.getLong(offsets + (long) i * 8)
          : MemoryUtil.getInt(offsets + (long) i * 4);
      if (offset < 0 || offset > dataBytes) {
        throw new IllegalArgumentException("string offset " + offset + " lies outside the "
            + dataBytes + " bytes of the column's data");
      }
      return data + offset;
    }
  }

  /** A decimal literal's unscaled value as little-endian 64-bit words. */
  private static long[] decimalWords(BigDecimal value, int words) {
    BigInteger unscaled = value.unscaledValue();
    long[] out = new long[words];
    for (int k = 0; k < words; k++) {
      out[k] = unscaled.shiftRight(64 * k).longValue();
    }
    return out;
  }

  /** Signed comparison of a stored decimal with a literal: the top word signed, the rest not. */
  private static int compareDecimal(long at, int words, long[] literal) {
    long top = MemoryUtil.getLong(at + 8L * (words - 1));
    if (top != literal[words - 1]) {
      return top < literal[words - 1] ? 0 : 2;
    }
    for (int k = words - 2; k >= 0; k--) {
      long word = MemoryUtil.getLong(at + 8L * k);
      if (word != literal[k]) {
        return Long.compareUnsigned(word, literal[k]) < 0 ? 0 : 2;
      }
    }
    return 1;
  }

  private static int compareDecimal(long a, long b, int words) {
    long topA = MemoryUtil.getLong(a + 8L * (words - 1));
    long topB = MemoryUtil.getLong(b + 8L * (words - 1));
    if (topA != topB) {
      return topA < topB ? 0 : 2;
    }
    for (int k = words - 2; k >= 0; k--) {
      long x = MemoryUtil.getLong(a + 8L * k);
      long y = MemoryUtil.getLong(b + 8L * k);
      if (x != y) {
        return Long.compareUnsigned(x, y) < 0 ? 0 : 2;
      }
    }
    return 1;
  }

  /** Unsigned lexicographic comparison of the bytes at [start, end) with a literal. */
  private static int compareBytes(long start, long end, byte[] literal) {
    long length = end - start;
    int common = (int) Math.min(length, literal.length);
    for (int k = 0; k < common; k++) {
      int x = MemoryUtil.getByte(start + k) & 0xFF;
      int y = literal[k] & 0xFF;
      if (x != y) {
        return x < y ? 0 : 2;
      }
    }
    return length < literal.length ? 0 : length == literal.length ? 1 : 2;
  }

  private static int compareBytes(long startA, long endA, long startB, long endB) {
    long lengthA = endA - startA;
    long lengthB = endB - startB;
    long common = Math.min(lengthA, lengthB);
    for (long k = 0; k < common; k++) {
      int x = MemoryUtil.getByte(startA + k) & 0xFF;
      int y = MemoryUtil.getByte(startB + k) & 0xFF;
      if (x != y) {
        return x < y ? 0 : 2;
      }
    }
    return lengthA < lengthB ? 0 : lengthA == lengthB ? 1 : 2;
  }
}
