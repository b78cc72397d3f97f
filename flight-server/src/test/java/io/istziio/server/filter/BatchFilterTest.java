package io.istziio.server.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.data.GeneratedBatches;
import io.istziio.client.data.ParquetFiles;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.server.parquet.ParquetFile;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import io.istziio.client.protocol.ReadStats;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.server.FlightReads;
import io.istziio.server.Node;
import io.istziio.server.NodeConfig;
import java.nio.file.Files;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.arrow.flight.FlightClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.dataset.file.FileSystemDatasetFactory;
import org.apache.arrow.dataset.jni.NativeMemoryPool;
import org.apache.arrow.dataset.scanner.ScanOptions;
import org.apache.arrow.dataset.scanner.Scanner;
import org.apache.arrow.dataset.source.Dataset;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import java.util.Arrays;
import java.util.Set;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.util.Float16;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BitVectorHelper;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.junit.jupiter.params.provider.Arguments;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.Decimal256Vector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.LargeVarCharVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.complex.impl.UnionListWriter;
import org.apache.arrow.vector.complex.impl.UnionMapWriter;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The oracle is Arrow's native scanner: for every filter, the rows BatchFilter selects from the
 * file's unfiltered decoded batches (copied out by FilteredBatches) are, row for row, the rows the
 * scanner returns when it runs the same filter as Substrait. Each test closes its RootAllocator,
 * which throws on a leak.
 */
class BatchFilterTest {

  private static final int ROWS = 3_000;
  private static final int ROWS_PER_GROUP = 700; // five row groups, the last one short
  private static final long TS_US = 1_704_067_200_000_000L; // 2024-01-01T00:00:00Z

  @TempDir
  static Path dir;
  private static Path parquet;
  private static Path ipc;

  private static final Schema SCHEMA = new Schema(List.of(
      Field.notNullable("id", new ArrowType.Int(64, true)),
      Field.nullable("i8", new ArrowType.Int(8, true)),
      Field.nullable("i16", new ArrowType.Int(16, true)),
      Field.nullable("i32", new ArrowType.Int(32, true)),
      Field.nullable("i64", new ArrowType.Int(64, true)),
      Field.nullable("f32", new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)),
      Field.nullable("f64", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
      Field.nullable("f64b", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
      Field.nullable("dec", new ArrowType.Decimal(12, 2, 128)),
      Field.nullable("dec2", new ArrowType.Decimal(12, 2, 128)),
      Field.nullable("s", ArrowType.Utf8.INSTANCE),
      Field.nullable("s2", ArrowType.Utf8.INSTANCE),
      Field.nullable("b", ArrowType.Bool.INSTANCE),
      Field.nullable("b2", ArrowType.Bool.INSTANCE),
      Field.nullable("d", new ArrowType.Date(DateUnit.DAY)),
      Field.nullable("d2", new ArrowType.Date(DateUnit.DAY)),
      Field.nullable("ts", new ArrowType.Timestamp(TimeUnit.MICROSECOND, null)),
      Field.nullable("tstz", new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC")),
      Field.nullable("tsms", new ArrowType.Timestamp(TimeUnit.MILLISECOND, null)),
      Field.nullable("tsns", new ArrowType.Timestamp(TimeUnit.NANOSECOND, "UTC"))));

  /** Column types Parquet does not give back as such: tested through an Arrow IPC file. */
  private static final Schema IPC_SCHEMA = new Schema(List.of(
      Field.notNullable("id", new ArrowType.Int(64, true)),
      Field.nullable("ls", ArrowType.LargeUtf8.INSTANCE),
      Field.nullable("d256", new ArrowType.Decimal(30, 4, 256)),
      Field.nullable("tss", new ArrowType.Timestamp(TimeUnit.SECOND, null)),
      Field.nullable("tsmstz", new ArrowType.Timestamp(TimeUnit.MILLISECOND, "+01:00"))));

  /** The value of a column in a row: deterministic, with nulls and the awkward values. */
  static Object value(String column, long r) {
    return switch (column) {
      case "id" -> r;
      case "i8" -> r % 13 == 5 ? null : (long) (byte) ((r * 37) % 256 - 128);
      case "i16" -> r % 11 == 2 ? null : (long) (short) ((r * 7919) % 65536 - 32768);
      case "i32" -> r % 7 == 3 ? null : r % 1000 - 500;
      case "i64" -> r % 9 == 4 ? null : r == 10 ? Long.MAX_VALUE : r == 20 ? Long.MIN_VALUE
          : r * 1_000_003L - 1_500_000_000L;
      case "f32" -> switch ((int) (r % 17)) {
        case 0 -> Double.NaN;
        case 1 -> Double.POSITIVE_INFINITY;
        case 2 -> Double.NEGATIVE_INFINITY;
        case 3 -> (Object) null;
        case 4 -> -0.0;
        case 5 -> 0.0;
        case 6 -> (double) 0.1f;
        default -> (r % 200 - 100) * 0.5;
      };
      case "f64" -> switch ((int) (r % 19)) {
        case 0 -> Double.NaN;
        case 1 -> Double.POSITIVE_INFINITY;
        case 2 -> Double.NEGATIVE_INFINITY;
        case 3 -> (Object) null;
        case 4 -> -0.0;
        case 5 -> 0.1;
        default -> (r % 300 - 150) * 0.25;
      };
      case "f64b" -> r % 23 == 0 ? Double.NaN : r % 23 == 1 ? (Object) null : (r % 100 - 50) * 0.5;
      case "dec" -> r % 8 == 1 ? null : BigDecimal.valueOf((r * 7919) % 200_000 - 100_000, 2);
      case "dec2" -> r % 10 == 7 ? null : BigDecimal.valueOf(((r * 31) % 2000 - 1000) * 10, 2);
      case "s" -> switch ((int) (r % 10)) {
        case 0 -> (Object) null;
        case 1 -> "";
        case 2 -> "é" + r % 5;
        case 3 -> "日本" + r % 3;
        case 4 -> "Z";
        case 5 -> "z";
        default -> "name-" + r % 50;
      };
      case "s2" -> r % 6 == 0 ? null : r % 4 == 0 ? value("s", r) : "name-" + r % 30;
      case "b" -> r % 5 == 2 ? null : r % 3 == 0;
      case "b2" -> r % 7 == 1 ? null : r % 2 == 0;
      case "d" -> r % 12 == 5 ? null : (r * 13) % 20_000 - 5_000;
      case "d2" -> r % 9 == 0 ? null : (r * 7) % 20_000 - 5_000;
      case "ts" -> r % 10 == 3 ? null : r % 25 == 0 ? -r * 1_000_000 : TS_US + r * 37_000_000;
      case "tstz" -> r % 13 == 0 ? null : r % 25 == 0 ? -r * 1_000_000 : TS_US + r * 37_000_000;
      case "tsms" -> r % 11 == 6 ? null : TS_US / 1000 + r * 61_001;
      case "tsns" -> r % 14 == 2 ? null : TS_US * 1000 + r * 123_456_789; // sub-microsecond parts
      case "ls" -> r % 6 == 0 ? null : r % 6 == 1 ? "" : r % 6 == 2 ? "ü" + r % 4 : "k" + r % 20;
      case "d256" -> r % 5 == 0 ? null : BigDecimal.valueOf((r * 104_729) % 2_000_000 - 1_000_000, 4)
          .multiply(BigDecimal.TEN.pow(r % 3 == 0 ? 20 : 0));
      case "tss" -> r % 7 == 0 ? null : TS_US / 1_000_000 + r * 3_601 - 86_400;
      case "tsmstz" -> r % 8 == 0 ? null : TS_US / 1000 + r * 59_999;
      default -> throw new IllegalArgumentException(column);
    };
  }

  @BeforeAll
  static void writeFiles() throws IOException {
    parquet = dir.resolve("kinds.parquet");
    try (BufferAllocator allocator = new RootAllocator()) {
      ParquetFiles.write(parquet, allocator, new Batches(allocator, SCHEMA, ROWS, ROWS_PER_GROUP));
    }
    ipc = dir.resolve("kinds.arrow");
    try (BufferAllocator allocator = new RootAllocator();
        Batches batches = new Batches(allocator, IPC_SCHEMA, ROWS, ROWS_PER_GROUP);
        FileChannel channel = FileChannel.open(ipc, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        ArrowFileWriter writer = new ArrowFileWriter(batches.getVectorSchemaRoot(), null, channel)) {
      writer.start();
      while (batches.loadNextBatch()) {
        writer.writeBatch();
      }
      writer.end();
    }
  }

  static Stream<String> filters() {
    return Stream.of(
        // integers of every width, with nulls and extremes
        "i8 < 0", "i8 >= -128", "i8 = 127", "i8 != -1", "i16 > 1000", "i16 <= -32768",
        "i32 = 7", "i32 != 7", "i32 < -400", "i32 <= -400", "i32 > 490", "i32 >= 490",
        "i32 BETWEEN -10 AND 10", "i32 NOT BETWEEN -490 AND 490", "i32 IN (1, 2, 3, -500)",
        "i32 NOT IN (1, 2)", "i64 > 0", "i64 = 9223372036854775807", "i64 < -9223372036854775807",
        "i8 < i16", "i32 >= i8", "id <= i64", "i32 != i32",
        // float32 (widened to the float64 literal) and float64: NaN, infinities, -0.0, null
        "f32 < 0", "f32 > 0", "f32 = 0", "f32 = -0.0", "f32 != 0.5",
        // Acero widens float32 to the float64 literal: 0.1f is not 0.1, but is 0.10000000149011612.
        "f32 = 0.1", "f32 = 0.10000000149011612", "f32 <= 1e400",
        "f32 >= -1e400", "f32 = 1e400", "f32 < -1e400", "NOT (f32 < 0)", "NOT (f32 = 0.5)",
        "NOT (f32 != 0.5)", "f32 NOT BETWEEN -10 AND 10", "f32 BETWEEN -10 AND 10",
        "f32 IN (0.5, -0.0, 1e400)", "f32 NOT IN (0.5, 1)", "f64 > 10", "f64 != 0", "f64 = 0.1",
        "f64 >= f64b", "f64 != f64b", "f64 = f64b", "NOT (f64 < f64b)", "f32 < f64", "f64 = f64",
        "f64 != f64", "f64 IS NULL", "f64 IS NOT NULL", "NOT (f64 IS NULL)", "f64 < 0 OR f64 >= 0",
        "NOT (f64 < 0 OR f64 >= 0)",
        // decimals, negative ones included
        "dec < -5.5", "dec >= 0", "dec = -841.62", "dec != 12.5", "dec > -1000",
        "dec BETWEEN -100 AND 100", "dec IN (-1000.00, 0, 5.5, 999.99)", "dec NOT IN (0)",
        "dec > dec2", "dec <= dec2", "NOT dec < 0",
        // strings: empty, non-ASCII (ordered by UTF-8 bytes), nulls
        "s = ''", "s != ''", "s > 'name-3'", "s < 'a'", "s >= 'é'", "s = '日本1'", "s != 'Z'",
        "s <= 'z'", "s > 'zz'", "s IN ('', 'Z', 'é1', '日本0')", "s NOT IN ('z', '')",
        "s BETWEEN 'Z' AND 'é'", "s < s2", "s = s2", "s IS NULL", "s IS NOT NULL",
        // booleans
        "b", "NOT b", "b = FALSE", "b != TRUE", "b < TRUE", "b > FALSE", "b >= FALSE", "b = b2",
        "b < b2", "b IN (TRUE)", "b NOT IN (FALSE)", "b IS NOT NULL AND NOT b", "b OR b2",
        "b AND b2", "NOT (b OR b2)",
        // dates, before 1970 too
        "d < DATE '1970-01-01'", "d >= '2000-01-01'", "d = DATE '1956-05-20'", "d != d2",
        "d BETWEEN '1960-01-01' AND '1990-12-31'", "d IN ('1970-01-01', '1963-04-23')",
        // timestamps in every unit, with and without a time zone
        "ts < TIMESTAMP '2024-01-01 01:00:00'", "ts >= '2024-01-02'", "ts < '1970-01-01'",
        "ts = TIMESTAMP '2024-01-01 00:00:37'", "ts <= ts",
        "tstz BETWEEN '2024-01-01' AND '2024-01-03 12:00:00.5'", "tstz != TIMESTAMP '2024-01-01 00:00:37'",
        "tstz IN ('2024-01-01 00:00:37', '1969-12-31 23:59:35')",
        "tsms > TIMESTAMP '2024-01-01 10:00:00.123'", "tsms IN ('2024-01-01 00:00:00', '2024-01-01 00:01:01.001')",
        "tsns > TIMESTAMP '2024-01-01 00:00:01.234567'", "tsns <= TIMESTAMP '2024-01-01 00:10:00'",
        "tsns = TIMESTAMP '2024-01-01 00:00:00'", "tsns < tsns",
        // three-valued logic
        "i32 > 0 AND f32 > 0", "i32 > 0 OR f32 > 0", "NOT (i32 > 0 AND f32 > 0)",
        "NOT (i32 > 0 OR s = '')", "NOT (i32 IS NULL OR f64 = 1)", "(b OR i32 < 0) AND NOT (s IS NULL)",
        "NOT (NOT (f32 < 0))", "i32 > 0 OR i32 IS NULL", "NOT (i32 > 100) OR b",
        "f64 < 0 AND f64 > 0 OR b", "NOT (b AND f64 != 0)", "NOT (i32 IN (1, 2) OR b)",
        "(i8 > 0 OR i16 > 0) AND (dec < 0 OR s > 'm') AND NOT (d2 IS NULL AND b2)",
        "NOT (f32 NOT IN (0.5, 1) AND i32 NOT BETWEEN 0 AND 100)");
  }

  static Stream<String> ipcFilters() {
    return Stream.of("ls = ''", "ls > 'k1'", "ls >= 'ü'", "ls IN ('k3', 'ü1')", "NOT (ls < 'k5')",
        "d256 < 0", "d256 >= 12.5", "d256 = -89.5271", "d256 IN (0, 1e21, -89.5271)",
        "NOT (d256 BETWEEN -50 AND 50)", "d256 > 1000000000000000000000",
        "tss < TIMESTAMP '2024-01-01 00:00:00'", "tss BETWEEN '2024-01-01' AND '2024-01-02'",
        "tsmstz >= TIMESTAMP '2024-01-01 12:00:00.5'", "tsmstz != tsmstz", "ls IS NULL OR tss IS NULL");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("filters")
  void parquetRowsMatchTheNativeScanner(String filter) throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        ParquetFile file = ParquetFile.open(allocator, parquet, "kinds.parquet")) {
      RowFilter.Compiled compiled = RowFilter.of(ReadTicket.of("x").withFilter(filter)).compile(file.fileSchema());
      List<String> expected;
      try (ParquetFile.Scan scan = file.scan(null, 1024, SubstraitWriter.write(compiled.bound(), file.fileSchema()))) {
        expected = rows(scan.reader(), null, null);
      }
      List<String> actual;
      try (ParquetFile.Scan scan = file.scan(null, 1024, null)) {
        actual = rows(scan.reader(), BatchFilter.compile(compiled.bound()), allocator);
      }
      assertSameRows(filter, expected, actual);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ipcFilters")
  void ipcRowsMatchTheNativeScanner(String filter) throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        FileSystemDatasetFactory factory = new FileSystemDatasetFactory(allocator,
            NativeMemoryPool.getDefault(), FileFormat.ARROW_IPC, ipc.toUri().toString())) {
      Schema schema = factory.inspect();
      try (Dataset dataset = factory.finish()) {
        ipcRows(allocator, schema, dataset, filter);
      }
    }
  }

  private static void ipcRows(BufferAllocator allocator, Schema schema, Dataset dataset, String filter)
      throws Exception {
    {
      assertEquals(IPC_SCHEMA, schema);
      RowFilter.Compiled compiled = RowFilter.of(ReadTicket.of("x").withFilter(filter)).compile(schema);
      List<String> expected;
      byte[] substrait = SubstraitWriter.write(compiled.bound(), schema);
      ScanOptions filtered = new ScanOptions.Builder(1024).columns(Optional.empty())
          .substraitFilter(ByteBuffer.allocateDirect(substrait.length).put(substrait).flip()).build();
      try (Scanner scanner = dataset.newScan(filtered); ArrowReader reader = scanner.scanBatches()) {
        expected = rows(reader, null, null);
      }
      List<String> actual;
      try (Scanner scanner = dataset.newScan(new ScanOptions.Builder(1024).columns(Optional.empty()).build());
          ArrowReader reader = scanner.scanBatches()) {
        assertTrue(reader.getVectorSchemaRoot().getVector("ls") instanceof LargeVarCharVector);
        assertTrue(reader.getVectorSchemaRoot().getVector("d256") instanceof Decimal256Vector);
        actual = rows(reader, BatchFilter.compile(compiled.bound()), allocator);
      }
      assertSameRows(filter, expected, actual);
    }
  }

  /** Row for row; on a difference, the first differing row rather than thousands of them. */
  private static void assertSameRows(String filter, List<String> expected, List<String> actual) {
    System.out.println(filter + " -> " + expected.size() + " rows");
    if (!expected.equals(actual)) {
      int i = 0;
      while (i < Math.min(expected.size(), actual.size()) && expected.get(i).equals(actual.get(i))) {
        i++;
      }
      throw new AssertionError(String.format("%s: the scanner gives %d rows, BatchFilter %d; "
          + "first difference at row %d: scanner %s, BatchFilter %s", filter, expected.size(),
          actual.size(), i, i < expected.size() ? expected.get(i) : "none",
          i < actual.size() ? actual.get(i) : "none"));
    }
  }

  /**
   * Every row of the reader as text; with a filter, only the rows it selects, taken from a copy
   * made by FilteredBatches (so the copy is checked against the scanner too).
   */
  private static List<String> rows(ArrowReader reader, BatchFilter filter, BufferAllocator allocator)
      throws IOException {
    List<String> rows = new ArrayList<>();
    while (reader.loadNextBatch()) {
      VectorSchemaRoot batch = reader.getVectorSchemaRoot();
      if (filter == null) {
        rows.addAll(text(batch, IntStream.range(0, batch.getRowCount()).toArray()));
        continue;
      }
      int[] selected = filter.select(batch);
      List<Integer> all = IntStream.range(0, batch.getFieldVectors().size()).boxed().toList();
      try (VectorSchemaRoot copy = FilteredBatches.copy(batch, selected, all, allocator)) {
        rows.addAll(text(copy, IntStream.range(0, copy.getRowCount()).toArray()));
      }
    }
    return rows;
  }

  private static List<String> text(VectorSchemaRoot batch, int[] positions) {
    List<String> rows = new ArrayList<>();
    for (int i : positions) {
      StringBuilder row = new StringBuilder();
      for (FieldVector vector : batch.getFieldVectors()) {
        row.append(vector.getName()).append('=').append(vector.getObject(i)).append(' ');
      }
      rows.add(row.toString());
    }
    return rows;
  }

  @Test
  void copyProjectsAndKeepsNestedColumns() throws Exception {
    Schema nested = new Schema(List.of(
        Field.notNullable("id", new ArrowType.Int(64, true)),
        new Field("st", FieldType.nullable(ArrowType.Struct.INSTANCE), List.of(
            Field.nullable("a", new ArrowType.Int(32, true)), Field.nullable("t", ArrowType.Utf8.INSTANCE))),
        new Field("li", FieldType.nullable(ArrowType.List.INSTANCE), List.of(
            Field.nullable("item", new ArrowType.Int(32, true)))),
        new Field("mp", FieldType.nullable(new ArrowType.Map(false)), List.of(
            new Field("entries", FieldType.notNullable(ArrowType.Struct.INSTANCE), List.of(
                Field.notNullable("key", ArrowType.Utf8.INSTANCE),
                Field.nullable("value", new ArrowType.Int(32, true))))))));
    Path file = dir.resolve("nested.parquet");
    try (BufferAllocator allocator = new RootAllocator()) {
      ParquetFiles.write(file, allocator, new Batches(allocator, nested, 500, 200));
    }
    try (BufferAllocator allocator = new RootAllocator();
        ParquetFile parquetFile = ParquetFile.open(allocator, file, "nested.parquet");
        ParquetFile.Scan scan = parquetFile.scan(null, 10_000, null)) {
      ArrowReader reader = scan.reader();
      List<Integer> projection = List.of(3, 0, 1, 2, 0);
      try (BufferAllocator targetAllocator = allocator.newChildAllocator("target", 0, Long.MAX_VALUE);
          VectorSchemaRoot target = FilteredBatches.allocate(parquetFile.fileSchema(), projection, targetAllocator)) {
        int batches = 0;
        while (reader.loadNextBatch()) {
          VectorSchemaRoot batch = reader.getVectorSchemaRoot();
          int[] rows = IntStream.range(0, batch.getRowCount()).filter(i -> i % 3 != 1).toArray();
          FilteredBatches.fill(batch, rows, projection, target); // the same target, batch after batch
          assertEquals(rows.length, target.getRowCount());
          assertEquals(List.of("mp", "id", "st", "li", "id"),
              target.getSchema().getFields().stream().map(Field::getName).toList());
          for (int i = 0; i < rows.length; i++) {
            for (int k = 0; k < projection.size(); k++) {
              assertEquals(String.valueOf(batch.getVector(projection.get(k)).getObject(rows[i])),
                  String.valueOf(target.getVector(k).getObject(i)));
            }
          }
          batches++;
        }
        assertTrue(batches > 0);
        assertTrue(target.getVector("st") instanceof StructVector);
        assertTrue(target.getVector("mp") instanceof MapVector);
        // No rows selected is a valid, empty batch.
        try (VectorSchemaRoot empty = FilteredBatches.copy(reader.getVectorSchemaRoot(), new int[0],
            List.of(1, 2), targetAllocator)) {
          assertEquals(0, empty.getRowCount());
        }
        assertThrows(IllegalArgumentException.class, () -> FilteredBatches.fill(
            reader.getVectorSchemaRoot(), new int[] {100_000}, projection, target));
      }
    }
  }

  /**
   * Filtered memory hits of list and map columns, many at once on one cached file: copying a list
   * moves a reader cached in its source vector, so streams that shared the cached batch's vectors
   * copied each other's rows. Every answer must equal the first.
   */
  @Test
  void concurrentFilteredMemoryHitsOfNestedColumnsAgree() throws Exception {
    Schema nested = new Schema(List.of(
        Field.notNullable("id", new ArrowType.Int(64, true)),
        new Field("li", FieldType.nullable(ArrowType.List.INSTANCE), List.of(
            Field.nullable("item", new ArrowType.Int(32, true)))),
        new Field("mp", FieldType.nullable(new ArrowType.Map(false)), List.of(
            new Field("entries", FieldType.notNullable(ArrowType.Struct.INSTANCE), List.of(
                Field.notNullable("key", ArrowType.Utf8.INSTANCE),
                Field.nullable("value", new ArrowType.Int(32, true))))))));
    Path root = Files.createDirectories(dir.resolve("served"));
    Path file = root.resolve("nested-hits.parquet");
    try (BufferAllocator allocator = new RootAllocator()) {
      ParquetFiles.write(file, allocator, new Batches(allocator, nested, 20_000, 5_000));
    }
    ReadTicket ticket = ReadTicket.of(file.toUri().toString())
        .withColumns(List.of("mp", "li", "id")).withFilter("id >= 0 AND id != 7");
    try (Node node = Node.start(NodeConfig.loopback(dir.resolve("cache"), 256 << 20)
            .withLocalRoot(root).withMemoryBytes(256 << 20));
        BufferAllocator allocator = new RootAllocator();
        FlightClient client = FlightClient.builder(allocator, node.location()).build()) {
      FlightReads.Result first = FlightReads.read(client, ticket);
      assertEquals(ReadStats.MEMORY, first.stats().tier());
      ExecutorService readers = Executors.newFixedThreadPool(8);
      try {
        List<Future<FlightReads.Result>> results = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
          results.add(readers.submit(() -> FlightReads.read(client, ticket)));
        }
        for (Future<FlightReads.Result> result : results) {
          assertEquals(first.rows(), result.get().rows());
        }
      } finally {
        readers.shutdownNow();
      }
    }
  }

  @Test
  void aBatchOfTheWrongShapeIsRefused() throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        VectorSchemaRoot batch = VectorSchemaRoot.create(new Schema(List.of(
            Field.nullable("id", ArrowType.Utf8.INSTANCE))), allocator)) {
      BoundFilter bound = FilterBinder.bind(FilterParser.parse("id > 5"), SCHEMA);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> BatchFilter.compile(bound).select(batch));
      assertTrue(e.getMessage().contains("the filter was bound to \"id\""), e.getMessage());
      BoundFilter far = FilterBinder.bind(FilterParser.parse("tsns IS NULL"), SCHEMA);
      assertThrows(IllegalArgumentException.class, () -> BatchFilter.compile(far).select(batch));
    }
  }

  /** One evaluation of a simple compare, and of a three-leaf AND/OR, over 32,768 rows. */
  @Test
  void aSimpleCompareOverABigBatchTakesMicroseconds() {
    int rows = 32_768;
    Schema schema = new Schema(List.of(Field.nullable("i32", new ArrowType.Int(32, true)),
        Field.nullable("f64", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
        Field.nullable("s", ArrowType.Utf8.INSTANCE)));
    try (BufferAllocator allocator = new RootAllocator();
        VectorSchemaRoot batch = VectorSchemaRoot.create(schema, allocator)) {
      IntVector ints = (IntVector) batch.getVector(0);
      Float8Vector doubles = (Float8Vector) batch.getVector(1);
      VarCharVector strings = (VarCharVector) batch.getVector(2);
      for (int i = 0; i < rows; i++) {
        if (i % 7 == 3) {
          ints.setNull(i);
        } else {
          ints.setSafe(i, i % 1000 - 500);
        }
        doubles.setSafe(i, i * 0.25);
        strings.setSafe(i, ("name-" + i % 100).getBytes(StandardCharsets.UTF_8));
      }
      batch.setRowCount(rows);
      BatchFilter simple = BatchFilter.compile(FilterBinder.bind(FilterParser.parse("i32 > 0"), schema));
      BatchFilter mixed = BatchFilter.compile(FilterBinder.bind(
          FilterParser.parse("i32 > 0 AND (f64 < 100 OR s = 'name-7')"), schema));
      double simpleMicros = micros(simple, batch);
      double mixedMicros = micros(mixed, batch);
      System.out.printf("BatchFilter over %d rows: \"i32 > 0\" %.1f us, three leaves %.1f us%n",
          rows, simpleMicros, mixedMicros);
      assertEquals(IntStream.range(0, rows).filter(i -> i % 7 != 3 && i % 1000 > 500).count(),
          simple.select(batch).length);
      assertTrue(simpleMicros < 1_000, simpleMicros + " us"); // loose: a shared 2-core machine
    }
  }

  private static double micros(BatchFilter filter, VectorSchemaRoot batch) {
    for (int i = 0; i < 2_000; i++) { // warm up the JIT
      filter.select(batch);
    }
    int runs = 2_000;
    long start = System.nanoTime();
    for (int i = 0; i < runs; i++) {
      filter.select(batch);
    }
    return (System.nanoTime() - start) / 1_000.0 / runs;
  }


  // ---- types Substrait cannot carry: checked row by row against the values themselves ----

  private static final int TYPED_ROWS = 1_000;

  private static final Schema TYPED_SCHEMA = new Schema(List.of(
      Field.nullable("i8", new ArrowType.Int(8, true)),
      Field.nullable("u8", new ArrowType.Int(8, false)),
      Field.nullable("u32", new ArrowType.Int(32, false)),
      Field.nullable("u64", new ArrowType.Int(64, false)),
      Field.nullable("f16", new ArrowType.FloatingPoint(FloatingPointPrecision.HALF)),
      Field.nullable("bin", ArrowType.Binary.INSTANCE),
      Field.nullable("fsb", new ArrowType.FixedSizeBinary(2)),
      Field.nullable("d64", new ArrowType.Date(DateUnit.MILLISECOND)),
      Field.nullable("t32", new ArrowType.Time(TimeUnit.SECOND, 32)),
      Field.nullable("t64", new ArrowType.Time(TimeUnit.NANOSECOND, 64)),
      Field.nullable("dur", new ArrowType.Duration(TimeUnit.MILLISECOND))));

  /** Row r of a typed column; null every so often; unsigned and float16 values as their bits. */
  static Object typed(String column, int r) {
    if ((r + column.length()) % 9 == 0) {
      return null;
    }
    int k = (r * 7) % 11;
    return switch (column) {
      case "i8" -> (byte) (k - 5);
      case "u8" -> (byte) (250 + k / 2); // 250..255
      case "u32" -> (int) (0xFFFF_FFF0L + k); // 2^32 - 16 + k
      case "u64" -> k % 2 == 0 ? -1L - k : (long) k; // near 2^64 and small ones
      case "f16" -> k == 10 ? Float16.toFloat16(Float.NaN) : Float16.toFloat16(k * 0.1f);
      case "bin" -> k == 10 ? new byte[] {(byte) 0xFF} : ("b" + k).getBytes(StandardCharsets.UTF_8);
      case "fsb" -> k == 10 ? new byte[] {(byte) 0xFF, 0} : ("x" + k % 10).getBytes(StandardCharsets.UTF_8);
      case "d64" -> (k - 5) * 86_400_000L;
      case "t32" -> k * 3_600;
      case "t64" -> k * 3_600_000_000_007L;
      case "dur" -> (k - 5) * 1_000L;
      default -> throw new IllegalArgumentException(column);
    };
  }

  private static double f16(int r) {
    Object bits = typed("f16", r);
    return Float16.toFloat((Short) bits);
  }

  private static int unsignedCompare(Object value, long literal) {
    return Long.compareUnsigned((Long) value, literal);
  }

  static Stream<Arguments> typedFilters() {
    return Stream.of(
        Arguments.of("u8 > 252", (java.util.function.IntPredicate) r -> typed("u8", r) != null
            && ((Byte) typed("u8", r) & 0xFF) > 252),
        Arguments.of("u8 IN (255, 250)", (java.util.function.IntPredicate) r -> typed("u8", r) != null
            && Set.of(255, 250).contains((Byte) typed("u8", r) & 0xFF)),
        Arguments.of("u32 >= 4294967290", (java.util.function.IntPredicate) r -> typed("u32", r) != null
            && ((Integer) typed("u32", r) & 0xFFFF_FFFFL) >= 4_294_967_290L),
        Arguments.of("u64 < 18446744073709551610", (java.util.function.IntPredicate) r -> typed("u64", r) != null
            && unsignedCompare(typed("u64", r), -6L) < 0),
        Arguments.of("u64 != 3", (java.util.function.IntPredicate) r -> typed("u64", r) != null
            && (Long) typed("u64", r) != 3L),
        Arguments.of("u64 > i8", (java.util.function.IntPredicate) r -> typed("u64", r) != null
            && typed("i8", r) != null && (((Long) typed("u64", r)) < 0
                || (Long) typed("u64", r) > (Byte) typed("i8", r))),
        Arguments.of("u8 <= i8", (java.util.function.IntPredicate) r -> typed("u8", r) != null
            && typed("i8", r) != null && ((Byte) typed("u8", r) & 0xFF) <= (Byte) typed("i8", r)),
        // float16: the literal is float16(0.3), NaN only under != and NOT
        Arguments.of("f16 = 0.3", (java.util.function.IntPredicate) r -> typed("f16", r) != null
            && f16(r) == Float16.toFloat(Float16.toFloat16(0.3f))),
        Arguments.of("f16 != 0.3", (java.util.function.IntPredicate) r -> typed("f16", r) != null
            && !(f16(r) == Float16.toFloat(Float16.toFloat16(0.3f)))),
        Arguments.of("NOT (f16 < 0.5)", (java.util.function.IntPredicate) r -> typed("f16", r) != null
            && !(f16(r) < Float16.toFloat(Float16.toFloat16(0.5f)))),
        // binaries as unsigned bytes
        Arguments.of("bin > 'b5'", (java.util.function.IntPredicate) r -> typed("bin", r) != null
            && Arrays.compareUnsigned((byte[]) typed("bin", r), "b5".getBytes(StandardCharsets.UTF_8)) > 0),
        Arguments.of("bin IN ('b1', 'b9')", (java.util.function.IntPredicate) r -> typed("bin", r) != null
            && Set.of("b1", "b9").contains(new String((byte[]) typed("bin", r), StandardCharsets.UTF_8))),
        Arguments.of("fsb < 'x5'", (java.util.function.IntPredicate) r -> typed("fsb", r) != null
            && Arrays.compareUnsigned((byte[]) typed("fsb", r), "x5".getBytes(StandardCharsets.UTF_8)) < 0),
        Arguments.of("fsb = 'x3'", (java.util.function.IntPredicate) r -> typed("fsb", r) != null
            && Arrays.equals((byte[]) typed("fsb", r), "x3".getBytes(StandardCharsets.UTF_8))),
        // date64 in milliseconds, times and durations in their units
        Arguments.of("d64 >= DATE '1970-01-01'", (java.util.function.IntPredicate) r -> typed("d64", r) != null
            && (Long) typed("d64", r) >= 0),
        Arguments.of("d64 IN ('1969-12-29', '1970-01-05')", (java.util.function.IntPredicate) r ->
            typed("d64", r) != null && Set.of(-3 * 86_400_000L, 4 * 86_400_000L).contains((Long) typed("d64", r))),
        Arguments.of("t32 < '03:00'", (java.util.function.IntPredicate) r -> typed("t32", r) != null
            && (Integer) typed("t32", r) < 3 * 3_600),
        Arguments.of("t64 = '02:00:00.000000014'", (java.util.function.IntPredicate) r -> typed("t64", r) != null
            && (Long) typed("t64", r) == 7_200_000_000_014L),
        Arguments.of("dur BETWEEN -2000 AND 1000", (java.util.function.IntPredicate) r -> typed("dur", r) != null
            && (Long) typed("dur", r) >= -2_000 && (Long) typed("dur", r) <= 1_000),
        Arguments.of("NOT (dur > 0) AND t32 IS NOT NULL", (java.util.function.IntPredicate) r ->
            typed("dur", r) != null && (Long) typed("dur", r) <= 0 && typed("t32", r) != null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("typedFilters")
  void typesSubstraitCannotCarryMatchRowByRow(String filter, java.util.function.IntPredicate expected) {
    try (BufferAllocator allocator = new RootAllocator();
        VectorSchemaRoot batch = VectorSchemaRoot.create(TYPED_SCHEMA, allocator)) {
      for (FieldVector vector : batch.getFieldVectors()) {
        vector.allocateNew();
        for (int r = 0; r < TYPED_ROWS; r++) {
          Object value = typed(vector.getName(), r);
          if (value == null) {
            vector.setNull(r);
          } else if (vector instanceof BaseFixedWidthVector fixed && !(vector instanceof FixedSizeBinaryVector)) {
            setBits(fixed, r, value);
          } else if (vector instanceof FixedSizeBinaryVector v) {
            v.setSafe(r, (byte[]) value);
          } else {
            ((VarBinaryVector) vector).setSafe(r, (byte[]) value);
          }
        }
        vector.setValueCount(TYPED_ROWS);
      }
      batch.setRowCount(TYPED_ROWS);
      RowFilter.Compiled compiled = RowFilter.of(ReadTicket.of("x").withFilter(filter)).compile(TYPED_SCHEMA);
      assertTrue(compiled.inJava(), "the native scanner must not get " + filter);
      int[] selected = BatchFilter.compile(compiled.bound()).select(batch);
      assertEquals(IntStream.range(0, TYPED_ROWS).filter(expected).boxed().toList(),
          Arrays.stream(selected).boxed().toList(), filter);
    }
  }

  /** Writes a fixed-width value's bits, whatever the vector's logical type. */
  private static void setBits(BaseFixedWidthVector vector, int r, Object value) {
    ArrowBuf data = vector.getDataBuffer();
    switch (vector.getTypeWidth()) {
      case 1 -> data.setByte(r, (Byte) value);
      case 2 -> data.setShort(2L * r, (Short) value);
      case 4 -> data.setInt(4L * r, (Integer) value);
      default -> data.setLong(8L * r, (Long) value);
    }
    BitVectorHelper.setBit(vector.getValidityBuffer(), r);
  }

  /** Batches of {@link #value} for a schema, one row group each when written to Parquet. */
  private static final class Batches extends GeneratedBatches {
    private final Schema schema;
    private final long rows;
    private final int perBatch;
    private long next;

    Batches(BufferAllocator allocator, Schema schema, long rows, int perBatch) {
      super(allocator, schema);
      this.schema = schema;
      this.rows = rows;
      this.perBatch = perBatch;
    }

    @Override
    public boolean loadNextBatch() throws IOException {
      if (next >= rows) {
        return false;
      }
      VectorSchemaRoot root = getVectorSchemaRoot();
      int count = (int) Math.min(perBatch, rows - next);
      root.allocateNew();
      for (FieldVector vector : root.getFieldVectors()) {
        for (int i = 0; i < count; i++) {
          set(vector, i, next + i);
        }
        vector.setValueCount(count);
      }
      root.setRowCount(count);
      next += count;
      return true;
    }

    private static void set(FieldVector vector, int i, long r) {
      String name = vector.getName();
      if (vector instanceof StructVector struct) { // nested columns, for the copy test
        if (r % 6 == 5) {
          struct.setNull(i);
          return;
        }
        struct.setIndexDefined(i);
        ((IntVector) struct.getChild("a")).setSafe(i, (int) r);
        if (r % 4 == 0) {
          ((VarCharVector) struct.getChild("t")).setNull(i);
        } else {
          ((VarCharVector) struct.getChild("t")).setSafe(i, ("t" + r).getBytes(StandardCharsets.UTF_8));
        }
        return;
      }
      if (vector instanceof MapVector map) {
        UnionMapWriter writer = map.getWriter();
        writer.setPosition(i);
        if (r % 5 == 3) {
          return; // left null
        }
        writer.startMap();
        for (int k = 0; k < r % 3; k++) {
          writer.startEntry();
          writer.key().varChar().writeVarChar("k" + k);
          writer.value().integer().writeInt((int) (r * k));
          writer.endEntry();
        }
        writer.endMap();
        return;
      }
      if (vector instanceof ListVector list) {
        UnionListWriter writer = list.getWriter();
        writer.setPosition(i);
        if (r % 7 == 2) {
          return; // left null
        }
        writer.startList();
        for (int k = 0; k < r % 4; k++) {
          writer.writeInt((int) (r + k));
        }
        writer.endList();
        return;
      }
      Object value = name.equals("id") ? (Object) r : value(name, r);
      if (value == null) {
        vector.setNull(i);
        return;
      }
      if (vector instanceof TinyIntVector v) {
        v.setSafe(i, (byte) (long) (Long) value);
      } else if (vector instanceof SmallIntVector v) {
        v.setSafe(i, (short) (long) (Long) value);
      } else if (vector instanceof IntVector v) {
        v.setSafe(i, (int) (long) (Long) value);
      } else if (vector instanceof BigIntVector v) {
        v.setSafe(i, (Long) value);
      } else if (vector instanceof Float4Vector v) {
        v.setSafe(i, (float) (double) (Double) value);
      } else if (vector instanceof Float8Vector v) {
        v.setSafe(i, (Double) value);
      } else if (vector instanceof DecimalVector v) {
        v.setSafe(i, (BigDecimal) value);
      } else if (vector instanceof Decimal256Vector v) {
        v.setSafe(i, ((BigDecimal) value).setScale(4));
      } else if (vector instanceof VarCharVector v) {
        v.setSafe(i, ((String) value).getBytes(StandardCharsets.UTF_8));
      } else if (vector instanceof LargeVarCharVector v) {
        v.setSafe(i, ((String) value).getBytes(StandardCharsets.UTF_8));
      } else if (vector instanceof BitVector v) {
        v.setSafe(i, (Boolean) value ? 1 : 0);
      } else if (vector instanceof DateDayVector v) {
        v.setSafe(i, (int) (long) (Long) value);
      } else if (vector instanceof TimeStampVector v) {
        v.setSafe(i, (Long) value);
      } else {
        throw new IllegalArgumentException("no generator for " + vector.getField());
      }
    }
  }
}
