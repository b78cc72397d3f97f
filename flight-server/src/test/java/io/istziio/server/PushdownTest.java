package io.istziio.server;

import static io.istziio.client.data.SampleData.day;
import static io.istziio.client.data.SampleData.flag;
import static io.istziio.client.data.SampleData.id;
import static io.istziio.client.data.SampleData.name;
import static io.istziio.client.data.SampleData.score;
import static io.istziio.client.data.SampleData.small;
import static io.istziio.client.data.SampleData.ts;
import static io.istziio.client.data.SampleData.unitPrice;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.data.SampleData;
import io.istziio.client.protocol.ReadStats;
import io.istziio.client.protocol.ReadTicket;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongPredicate;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import io.istziio.client.data.GeneratedBatches;
import io.istziio.client.data.ParquetFiles;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.UInt2Vector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Filters evaluated inside the node's scanner return exactly the rows for which the same predicate,
 * written independently in Java over the generator's values, holds. A null never satisfies a
 * comparison, as in SQL. {@link MemoryPushdownTest} runs the same matrix against the memory tier.
 */
class PushdownTest extends NodeTestBase {

  static final String PATH = "s3://data/pushdown.parquet";
  FlightClient client;
  Node node;

  @BeforeEach
  void startNode() throws Exception {
    putSample("pushdown.parquet");
    node = start(config(64 << 20).withMemoryBytes(tier().equals(ReadStats.MEMORY) ? 256 << 20 : 0));
    client = connect(node);
    if (tier().equals(ReadStats.MEMORY)) {
      warmMemory(node, client, PATH);
    }
  }

  /** The tier the reads of {@link #PATH} are served from. */
  String tier() {
    return ReadStats.DISK;
  }

  private static long micros(String instant) {
    Instant time = Instant.parse(instant);
    return time.getEpochSecond() * 1_000_000 + time.getNano() / 1_000;
  }

  private static int days(String date) {
    return (int) LocalDate.parse(date).toEpochDay();
  }

  private static boolean gt(Integer value, int bound) {
    return value != null && value > bound;
  }

  static Stream<Arguments> filters() {
    return Stream.of(
        // int32 with nulls
        Arguments.of("small = 7", (LongPredicate) r -> Objects.equals(small(r), 7)),
        Arguments.of("small != 7", (LongPredicate) r -> small(r) != null && small(r) != 7),
        Arguments.of("small <> 7", (LongPredicate) r -> small(r) != null && small(r) != 7),
        Arguments.of("small < -400", (LongPredicate) r -> small(r) != null && small(r) < -400),
        Arguments.of("small <= -400", (LongPredicate) r -> small(r) != null && small(r) <= -400),
        Arguments.of("small > 490", (LongPredicate) r -> gt(small(r), 490)),
        Arguments.of("small >= 490", (LongPredicate) r -> small(r) != null && small(r) >= 490),
        Arguments.of("-7 > small", (LongPredicate) r -> small(r) != null && small(r) < -7),
        Arguments.of("small BETWEEN 10 AND 20", (LongPredicate) r -> small(r) != null && small(r) >= 10 && small(r) <= 20),
        Arguments.of("small NOT BETWEEN -490 AND 490", (LongPredicate) r -> small(r) != null && (small(r) < -490 || small(r) > 490)),
        Arguments.of("small IN (1, 2, 3)", (LongPredicate) r -> small(r) != null && Set.of(1, 2, 3).contains(small(r))),
        Arguments.of("small NOT IN (1, 2)", (LongPredicate) r -> small(r) != null && !Set.of(1, 2).contains(small(r))),
        Arguments.of("small IS NULL", (LongPredicate) r -> small(r) == null),
        Arguments.of("small IS NOT NULL", (LongPredicate) r -> small(r) != null),
        // int64, sorted
        Arguments.of("id < 100", (LongPredicate) r -> id(r) < 100),
        Arguments.of("id >= 49900", (LongPredicate) r -> id(r) >= 49900),
        Arguments.of("id BETWEEN 1000 AND 1999", (LongPredicate) r -> id(r) >= 1000 && id(r) <= 1999),
        Arguments.of("NOT (id > 5)", (LongPredicate) r -> id(r) <= 5),
        Arguments.of("id < 10 OR id > 49990", (LongPredicate) r -> id(r) < 10 || id(r) > 49990),
        // float64
        Arguments.of("score > 12000.5", (LongPredicate) r -> score(r) > 12000.5),
        Arguments.of("score <= 2.25", (LongPredicate) r -> score(r) <= 2.25),
        Arguments.of("score = 100.25", (LongPredicate) r -> score(r) == 100.25),
        Arguments.of("score < 1e2", (LongPredicate) r -> score(r) < 100),
        // string with nulls
        Arguments.of("name = 'name-42'", (LongPredicate) r -> "name-42".equals(name(r))),
        Arguments.of("name > 'name-9'", (LongPredicate) r -> name(r) != null && name(r).compareTo("name-9") > 0),
        Arguments.of("name IN ('name-10', 'name-11', 'nope')", (LongPredicate) r -> name(r) != null && Set.of("name-10", "name-11").contains(name(r))),
        Arguments.of("name IS NULL", (LongPredicate) r -> name(r) == null),
        // bool
        Arguments.of("flag", (LongPredicate) r -> flag(r)),
        Arguments.of("NOT flag", (LongPredicate) r -> !flag(r)),
        Arguments.of("flag = FALSE", (LongPredicate) r -> !flag(r)),
        // date32
        Arguments.of("day = DATE '1970-01-05'", (LongPredicate) r -> day(r) == days("1970-01-05")),
        Arguments.of("day >= '1970-02-10'", (LongPredicate) r -> day(r) >= days("1970-02-10")),
        // timestamp[us, UTC]
        Arguments.of("ts < TIMESTAMP '2024-01-01 01:00:00'", (LongPredicate) r -> ts(r) < micros("2024-01-01T01:00:00Z")),
        Arguments.of("ts BETWEEN '2024-01-05' AND '2024-01-06 12:30:00.5'",
            (LongPredicate) r -> ts(r) >= micros("2024-01-05T00:00:00Z") && ts(r) <= micros("2024-01-06T12:30:00.5Z")),
        // decimal(12,2) with nulls, in a column whose name has a space
        Arguments.of("\"unit price\" > 999.00", (LongPredicate) r -> unitPrice(r) != null && unitPrice(r).compareTo(new BigDecimal("999.00")) > 0),
        Arguments.of("\"unit price\" = 12.34", (LongPredicate) r -> unitPrice(r) != null && unitPrice(r).compareTo(new BigDecimal("12.34")) == 0),
        Arguments.of("\"unit price\" <= 5", (LongPredicate) r -> unitPrice(r) != null && unitPrice(r).compareTo(new BigDecimal("5")) <= 0),
        Arguments.of("\"unit price\" IS NULL", (LongPredicate) r -> unitPrice(r) == null),
        // combinations, and a column against a column
        Arguments.of("(small > 400 OR name = 'name-3') AND NOT flag", (LongPredicate) r -> (gt(small(r), 400) || "name-3".equals(name(r))) && !flag(r)),
        Arguments.of("small > 0 AND score < 5000 AND name IS NOT NULL",
            (LongPredicate) r -> gt(small(r), 0) && score(r) < 5000 && name(r) != null),
        Arguments.of("id = 1 OR id = 2 OR id = 3 OR name = 'name-4'", (LongPredicate) r -> id(r) >= 1 && id(r) <= 4),
        Arguments.of("small < id", (LongPredicate) r -> small(r) != null && small(r) < id(r)),
        Arguments.of("NoT (small IS NULL) and flag = true", (LongPredicate) r -> small(r) != null && flag(r)),
        // long lists nest as balanced trees, within the protobuf reader's depth limit
        Arguments.of("id IN (" + LongStream.range(0, 500).map(i -> i * 7).mapToObj(Long::toString)
            .collect(Collectors.joining(", ")) + ")", (LongPredicate) r -> r % 7 == 0 && r < 3500),
        Arguments.of("id = 5.0 OR id = 1e1", (LongPredicate) r -> r == 5 || r == 10));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("filters")
  void returnsExactlyTheRowsThePredicateHolds(String filter, LongPredicate expected) throws Exception {
    FlightReads.Result result = FlightReads.read(client, ReadTicket.of(PATH).withFilter(filter));

    Set<Long> want = LongStream.range(0, ROWS).filter(expected).boxed().collect(Collectors.toSet());
    List<Long> got = result.rows().stream().map(row -> (Long) row.get("id")).toList();
    assertEquals(want.size(), got.size(), "rows returned");
    assertEquals(want, Set.copyOf(got));
    for (Map<String, Object> row : result.rows()) { // and the rows are whole and right
      long id = (Long) row.get("id");
      assertEquals(expected("name", id), row.get("name"));
      assertEquals(expected("unit price", id), row.get("unit price"));
    }
    ReadStats stats = result.stats();
    assertEquals(tier(), stats.tier());
    assertEquals(want.size(), stats.rows());
    assertTrue(stats.rowsScanned() >= stats.rows(), "scanned " + stats.rowsScanned());
  }

  @Test
  void filterMayUseColumnsThatAreNotProjected() throws Exception {
    FlightReads.Result result = FlightReads.read(client,
        ReadTicket.of(PATH).withColumns(List.of("score")).withFilter("name = 'name-42' OR id = 7"));

    assertEquals(List.of("score"), result.schema().getFields().stream().map(Field::getName).toList());
    assertEquals(List.of(Map.<String, Object>of("score", score(7)), Map.<String, Object>of("score", score(42))),
        result.rows());
  }

  @Test
  void flightInfoValidatesTheFilterAndLeavesTheCountsUnknown() throws Exception {
    ReadTicket ticket = ReadTicket.of(PATH).withColumns(List.of("id")).withFilter("id < 5");
    FlightInfo info = client.getInfo(FlightDescriptor.command(ticket.toJsonBytes()));

    assertEquals(-1, info.getRecords());
    assertEquals(ticket, ReadTicket.parse(info.getEndpoints().get(0).getTicket().getBytes()));
    assertEquals(5, FlightReads.read(client, ticket).rows().size());
  }

  @Test
  void aOnePercentFilterOnASortedColumnSkipsMostRowGroups() throws Exception {
    Path sorted = tmp.resolve("sorted.parquet");
    SampleData.write(sorted, 200_000, 2_000); // 100 row groups, id ascending
    s3.put(BUCKET, "sorted.parquet", sorted);

    FlightReads.Result result = FlightReads.read(client,
        ReadTicket.of("s3://data/sorted.parquet").withColumns(List.of("id")).withFilter("id BETWEEN 100000 AND 101999"));

    assertEquals(2_000, result.rows().size());
    assertEquals(LongStream.range(100_000, 102_000).boxed().toList(),
        result.rows().stream().map(row -> row.get("id")).toList());
    ReadStats stats = result.stats();
    assertEquals(100, stats.rowGroups());
    assertEquals(99, stats.rowGroupsSkipped(), "only the row group holding the range is read");
    assertEquals(2_000, stats.rowsScanned());
  }

  @Test
  void withoutAFilterNothingIsSkipped() throws Exception {
    ReadStats stats = read(client, PATH).stats();
    assertEquals(ROWS / ROWS_PER_GROUP + 1, stats.rowGroups());
    assertEquals(0, stats.rowGroupsSkipped());
    assertEquals(ROWS, stats.rowsScanned());
  }

  // ---- types the native scanner cannot take, and NaN under statistics that leave it out ----

  static final int TYPED_ROWS = 4_000;
  static final int TYPED_GROUP = 1_000;

  /** x: row group 0 holds only 3.0 and NaN (a quarter), so its statistics say 3..3. */
  static Double x(long r) {
    return r % 13 == 5 ? null : r < TYPED_GROUP ? (r % 4 == 0 ? Double.NaN : 3.0) : (double) (r % 50);
  }

  static Integer u16(long r) {
    return r % 11 == 3 ? null : 65_530 + (int) (r % 6);
  }

  /** The bits of a uint64: 2^64 - 1 - r % 5. */
  static Long u64(long r) {
    return r % 7 == 1 ? null : -1L - r % 5;
  }

  static Float f32(long r) {
    return r % 9 == 4 ? null : r % 7 == 2 ? 1.1f : (float) (r % 7);
  }

  static final Schema TYPED = new Schema(List.of(
      Field.notNullable("id", new ArrowType.Int(64, true)),
      Field.nullable("x", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
      Field.nullable("u16", new ArrowType.Int(16, false)),
      Field.nullable("u64", new ArrowType.Int(64, false)),
      Field.nullable("f32", new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE))));

  /** Puts the typed file (four row groups) at s3://data/typed.parquet, held by the tested tier. */
  String putTyped() throws Exception {
    Path file = tmp.resolve("typed.parquet");
    try (BufferAllocator allocator = new RootAllocator()) {
      ParquetFiles.write(file, allocator, new GeneratedBatches(allocator, TYPED) {
        private long next;

        @Override
        public boolean loadNextBatch() throws java.io.IOException {
          if (next >= TYPED_ROWS) {
            return false;
          }
          VectorSchemaRoot root = getVectorSchemaRoot();
          root.allocateNew();
          for (int i = 0; i < TYPED_GROUP; i++) {
            long r = next + i;
            ((BigIntVector) root.getVector("id")).setSafe(i, r);
            setOrNull((Float8Vector) root.getVector("x"), i, x(r));
            setOrNull((UInt2Vector) root.getVector("u16"), i, u16(r));
            setOrNull((UInt8Vector) root.getVector("u64"), i, u64(r));
            setOrNull((Float4Vector) root.getVector("f32"), i, f32(r));
          }
          root.setRowCount(TYPED_GROUP);
          next += TYPED_GROUP;
          return true;
        }
      });
    }
    s3.put(BUCKET, "typed.parquet", file);
    String path = "s3://" + BUCKET + "/typed.parquet";
    if (tier().equals(ReadStats.MEMORY)) {
      warmMemory(node, client, path);
    }
    return path;
  }

  private static void setOrNull(FieldVector vector, int i, Object value) {
    if (value == null) {
      vector.setNull(i);
    } else if (vector instanceof Float8Vector v) {
      v.setSafe(i, (Double) value);
    } else if (vector instanceof Float4Vector v) {
      v.setSafe(i, (Float) value);
    } else if (vector instanceof UInt2Vector v) {
      v.setSafe(i, (Integer) value);
    } else {
      ((UInt8Vector) vector).setSafe(i, (Long) value);
    }
  }

  static Stream<Arguments> typedFilters() {
    return Stream.of(
        // pyarrow.compute over the whole table: NaN != 3 and NOT (NaN < 10) are true
        Arguments.of("x != 3", (LongPredicate) r -> x(r) != null && x(r) != 3.0),
        Arguments.of("NOT (x < 10)", (LongPredicate) r -> x(r) != null && !(x(r) < 10)),
        Arguments.of("NOT (x = 3)", (LongPredicate) r -> x(r) != null && x(r) != 3.0),
        Arguments.of("x NOT IN (3, 4)", (LongPredicate) r -> x(r) != null && x(r) != 3.0 && x(r) != 4.0),
        Arguments.of("x > 40", (LongPredicate) r -> x(r) != null && x(r) > 40),
        // unsigned integers ("filters cannot compare uint16" before)
        Arguments.of("u16 <> 65531", (LongPredicate) r -> u16(r) != null && u16(r) != 65_531),
        Arguments.of("u16 >= 65534", (LongPredicate) r -> u16(r) != null && u16(r) >= 65_534),
        Arguments.of("u64 > 18446744073709551613", (LongPredicate) r -> u64(r) != null
            && Long.compareUnsigned(u64(r), -3L) > 0),
        Arguments.of("u64 IN (18446744073709551615, 7)", (LongPredicate) r -> u64(r) != null && u64(r) == -1L),
        Arguments.of("u64 < u16", (LongPredicate) r -> false),
        // a float32 literal is a float32: = 1.1 finds the rows pyarrow shows as 1.1
        Arguments.of("f32 = 1.1", (LongPredicate) r -> f32(r) != null && f32(r) == 1.1f),
        Arguments.of("f32 > 1.1 AND f32 < 3", (LongPredicate) r -> f32(r) != null && f32(r) > 1.1f && f32(r) < 3),
        Arguments.of("u16 = 65530 AND x != 3", (LongPredicate) r -> u16(r) != null && u16(r) == 65_530
            && x(r) != null && x(r) != 3.0));
  }

  /** One node and one file for every typed filter: warming the memory tier per case is slow. */
  @Test
  void typesTheScannerCannotTakeAndNaNMatchPyarrowCompute() throws Exception {
    String path = putTyped();
    for (Arguments arguments : typedFilters().toList()) {
      String filter = (String) arguments.get()[0];
      LongPredicate expected = (LongPredicate) arguments.get()[1];
      FlightReads.Result result = FlightReads.read(client,
          ReadTicket.of(path).withColumns(List.of("id")).withFilter(filter));

      List<Long> want = LongStream.range(0, TYPED_ROWS).filter(expected).boxed().toList();
      assertEquals(List.of("id"), result.schema().getFields().stream().map(Field::getName).toList());
      assertEquals(want, result.rows().stream().map(row -> (Long) row.get("id")).sorted().toList(), filter);
      ReadStats stats = result.stats();
      assertEquals(tier(), stats.tier(), filter);
      assertEquals(want.size(), stats.rows(), filter);
      assertEquals(0, stats.rowGroupsSkipped(), filter + ": no statistics can rule it out");
      assertEquals(TYPED_ROWS, stats.rowsScanned(), filter);
    }
  }
}
