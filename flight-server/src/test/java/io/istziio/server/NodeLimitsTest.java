package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.data.GeneratedBatches;
import io.istziio.client.data.ParquetFiles;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.server.filter.FilterBinder;
import io.istziio.server.filter.FilterParser;
import io.istziio.server.filter.SubstraitWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Decimal256Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Well-formed requests that once killed the node (a native abort or stack overflow) or broke the
 * call (a status message too long for a gRPC header) get a short error, and the node serves the
 * next request.
 */
class NodeLimitsTest extends NodeTestBase {

  /** 40 digits: wider than the 38 that Arrow C++'s Substrait reader takes. */
  private static final ArrowType WIDE = new ArrowType.Decimal(40, 2, 256);
  private static final int WIDE_ROWS = 100;

  private String good;
  private String wide;
  private FlightClient client;
  private Path root;

  @BeforeEach
  void startNode() throws Exception {
    good = putSample("good.parquet");
    Path file = tmp.resolve("wide.parquet");
    writeWideDecimals(file);
    s3.put(BUCKET, "wide.parquet", file);
    wide = "s3://" + BUCKET + "/wide.parquet";
    root = java.nio.file.Files.createDirectories(tmp.resolve("root"));
    client = connect(start(config(64 << 20).withLocalRoot(root)));
  }

  // --- decimals wider than 38 digits ---

  @Test
  void aFilterOnAFileWithAWideDecimalColumnRunsOnTheOtherColumns() throws Exception {
    FlightReads.Result result = FlightReads.read(client, ReadTicket.of(wide).withFilter("a IS NULL"));
    List<Long> rows = result.rows().stream().map(row -> (Long) row.get("row")).toList();
    assertEquals(rowsWithNullA(), rows);
    for (Map<String, Object> row : result.rows()) {
      assertEquals(wideValue((Long) row.get("row")), row.get("x"));
    }
    assertStillServes();
  }

  /**
   * Arrow's Substrait reader aborts on a decimal over 38 digits, so the node filters such a column
   * in Java (it used to refuse the filter as UNIMPLEMENTED).
   */
  @Test
  void aFilterComparingAWideDecimalRunsInJava() throws Exception {
    String tenTo37 = "1" + "0".repeat(37);
    Map<String, java.util.function.LongPredicate> filters = Map.of(
        "x < " + tenTo37.substring(0, 36) + "50", r -> r < 50,
        "x IS NULL", r -> false,
        "a > 1 AND x >= " + tenTo37.substring(0, 36) + "50.50", r -> r >= 50 && r % 10 != 3);
    for (Map.Entry<String, java.util.function.LongPredicate> filter : filters.entrySet()) {
      FlightReads.Result result = FlightReads.read(client, ReadTicket.of(wide).withFilter(filter.getKey()));
      assertEquals(LongStream.range(0, WIDE_ROWS).filter(filter.getValue()).boxed().toList(),
          result.rows().stream().map(row -> (Long) row.get("row")).toList(), filter.getKey());
      for (Map<String, Object> row : result.rows()) {
        assertEquals(wideValue((Long) row.get("row")), row.get("x"));
      }
    }
    assertStillServes();
  }

  @Test
  void anOutsideSubstraitExpressionWithAWideDecimalIsUnimplemented() throws Exception {
    // "a IS NULL" as another tool would write it: the base schema lists x as decimal(40,2).
    Schema narrow = new Schema(List.of(Field.nullable("row", new ArrowType.Int(64, true)),
        Field.nullable("a", new ArrowType.Int(64, true)), Field.nullable("x", ArrowType.Binary.INSTANCE),
        Field.nullable("s", ArrowType.Binary.INSTANCE)));
    io.substrait.proto.ExtendedExpression.Builder expression = io.substrait.proto.ExtendedExpression
        .parseFrom(SubstraitWriter.write(FilterBinder.bind(FilterParser.parse("a IS NULL"), narrow), narrow))
        .toBuilder();
    expression.getBaseSchemaBuilder().getStructBuilder().setTypes(2, io.substrait.proto.Type.newBuilder()
        .setDecimal(io.substrait.proto.Type.Decimal.newBuilder().setPrecision(40).setScale(2)
            .setNullability(io.substrait.proto.Type.Nullability.NULLABILITY_NULLABLE)));
    byte[] ticket = ReadTicket.of(wide).withSubstrait(expression.build().toByteArray()).toJsonBytes();

    FlightRuntimeException onGet = assertStatus(FlightStatusCode.UNIMPLEMENTED, () -> drain(ticket));
    FlightRuntimeException onInfo = assertStatus(FlightStatusCode.UNIMPLEMENTED,
        () -> client.getInfo(FlightDescriptor.command(ticket)));
    for (FlightRuntimeException e : List.of(onGet, onInfo)) {
      assertShortMessage(e, "decimal(40,2)");
      assertShortMessage(e, "column \"x\"");
    }
    assertStillServes();
  }

  // --- filter size ---

  @Test
  void aFilterOfTheMaximumSizeRuns() throws Exception {
    String in = "id IN (" + IntStream.range(0, 1_000).map(i -> i * 7).mapToObj(Integer::toString)
        .collect(Collectors.joining(", ")) + ")";
    FlightReads.Result result = FlightReads.read(client, ReadTicket.of(good).withFilter(in)
        .withColumns(List.of("id")));
    assertEquals(IntStream.range(0, 1_000).mapToObj(i -> (long) i * 7).toList(),
        result.rows().stream().map(row -> row.get("id")).toList());
    assertStillServes();
  }

  @Test
  void aFilterOverTheLimitIsRefusedBeforeTheScan() throws Exception {
    String in = "id IN (" + IntStream.range(0, 2_000).mapToObj(Integer::toString)
        .collect(Collectors.joining(", ")) + ")";
    String and = IntStream.range(0, 3_000).mapToObj(i -> "id != " + i).collect(Collectors.joining(" AND "));
    String between = IntStream.range(0, 501).mapToObj(i -> "id BETWEEN " + i + " AND " + (i + 1))
        .collect(Collectors.joining(" OR "));
    for (var filter : Map.of(in, "2000 terms", and, "3000 terms", between, "1002 terms").entrySet()) {
      byte[] ticket = ReadTicket.of(good).withFilter(filter.getKey()).toJsonBytes();
      FlightRuntimeException onGet = assertStatus(FlightStatusCode.INVALID_ARGUMENT, () -> drain(ticket));
      FlightRuntimeException onInfo = assertStatus(FlightStatusCode.INVALID_ARGUMENT,
          () -> client.getInfo(FlightDescriptor.command(ticket)));
      for (FlightRuntimeException e : List.of(onGet, onInfo)) {
        assertShortMessage(e, filter.getValue());
        assertShortMessage(e, "at most 1000");
      }
    }
    assertStillServes();
  }

  // --- user input echoed into messages ---

  @Test
  void longUserInputIsCutInMessages() throws Exception {
    String longName = "c".repeat(20_000);
    List<byte[]> tickets = List.of(
        ReadTicket.of(good).withColumns(List.of(longName)).toJsonBytes(),
        ReadTicket.of(good).withColumns(List.of(longName, longName)).toJsonBytes(),
        ReadTicket.of("s3://" + BUCKET + "/" + longName + ".parquet").toJsonBytes(),
        ReadTicket.of("s3://" + BUCKET + "/" + longName + " ^.parquet").toJsonBytes(),
        ReadTicket.of("ftp://" + longName).toJsonBytes(),
        ReadTicket.of(good).withFilter(longName + " > 1").toJsonBytes(),
        ReadTicket.of(good).withFilter("id > 1 AND " + longName).toJsonBytes(),
        ReadTicket.of(good).withFilter("id > 1 " + longName + " 2").toJsonBytes(),
        ReadTicket.of(good).withFilter("name = '" + longName + "' AND id = " + longName).toJsonBytes(),
        ("{\"path\": \"" + good + "\", \"" + longName + "\": 1}").getBytes(StandardCharsets.UTF_8));
    for (byte[] ticket : tickets) {
      FlightRuntimeException onGet = assertThrowsFlight(() -> drain(ticket));
      FlightRuntimeException onInfo = assertThrowsFlight(() -> client.getInfo(FlightDescriptor.command(ticket)));
      for (FlightRuntimeException e : List.of(onGet, onInfo)) {
        assertTrue(e.status().code() == FlightStatusCode.INVALID_ARGUMENT
            || e.status().code() == FlightStatusCode.NOT_FOUND, () -> e.status().toString());
        assertShortMessage(e, "");
        assertTrue(e.status().description().contains("ccccc"), "the start of the input is kept");
      }
    }
    assertStillServes();
  }

  @Test
  void aTicketNestedTooDeepIsInvalid() throws Exception {
    for (int depth : List.of(999, 1_001, 100_000)) {
      List<String> tickets = List.of(
          "[".repeat(depth) + "]".repeat(depth),
          "{\"a\": ".repeat(depth) + "1" + "}".repeat(depth),
          "{\"path\": \"" + good + "\", \"columns\": " + "[".repeat(depth) + "]".repeat(depth) + "}",
          "{\"path\": " + "{\"a\": ".repeat(depth) + "1" + "}".repeat(depth) + "}");
      for (String json : tickets) {
        byte[] ticket = json.getBytes(StandardCharsets.UTF_8);
        FlightRuntimeException onGet = assertStatus(FlightStatusCode.INVALID_ARGUMENT, () -> drain(ticket));
        FlightRuntimeException onInfo = assertStatus(FlightStatusCode.INVALID_ARGUMENT,
            () -> client.getInfo(FlightDescriptor.command(ticket)));
        assertShortMessage(onGet, "");
        assertShortMessage(onInfo, "");
      }
    }
    assertStillServes();
  }

  @Test
  void aPathWithANulCharacterIsInvalid() throws Exception {
    for (String path : List.of("file:///x%00", root.toUri() + "a%00b.parquet")) {
      byte[] ticket = ReadTicket.of(path).toJsonBytes();
      FlightRuntimeException onGet = assertStatus(FlightStatusCode.INVALID_ARGUMENT, () -> drain(ticket));
      FlightRuntimeException onInfo = assertStatus(FlightStatusCode.INVALID_ARGUMENT,
          () -> client.getInfo(FlightDescriptor.command(ticket)));
      assertShortMessage(onGet, "NUL");
      assertShortMessage(onInfo, "NUL");
    }
    assertStillServes();
  }

  // --- helpers ---

  /** Rows 0..99; a is null on every tenth row; x and s.d hold 40-digit values. */
  private static void writeWideDecimals(Path file) throws Exception {
    Schema schema = new Schema(List.of(
        Field.notNullable("row", new ArrowType.Int(64, true)),
        Field.nullable("a", new ArrowType.Int(64, true)),
        Field.nullable("x", WIDE),
        new Field("s", FieldType.nullable(ArrowType.Struct.INSTANCE), List.of(Field.nullable("d", WIDE)))));
    try (BufferAllocator allocator = new RootAllocator()) {
      ParquetFiles.write(file, allocator, new GeneratedBatches(allocator, schema) {
        private boolean done;

        @Override
        public boolean loadNextBatch() throws java.io.IOException {
          if (done) {
            return false;
          }
          done = true;
          VectorSchemaRoot root = getVectorSchemaRoot();
          root.allocateNew();
          BigIntVector row = (BigIntVector) root.getVector("row");
          BigIntVector a = (BigIntVector) root.getVector("a");
          Decimal256Vector x = (Decimal256Vector) root.getVector("x");
          StructVector s = (StructVector) root.getVector("s");
          Decimal256Vector d = (Decimal256Vector) s.getChild("d");
          for (int i = 0; i < WIDE_ROWS; i++) {
            row.setSafe(i, i);
            if (i % 10 == 3) {
              a.setNull(i);
            } else {
              a.setSafe(i, i);
            }
            x.setSafe(i, wideValue(i));
            d.setSafe(i, wideValue(i));
            s.setIndexDefined(i);
          }
          root.setRowCount(WIDE_ROWS);
          return true;
        }
      });
    }
  }

  /** 38 digits before the point and 2 after: the column's full width. */
  private static BigDecimal wideValue(long row) {
    return new BigDecimal(BigInteger.TEN.pow(37).add(BigInteger.valueOf(row)))
        .add(BigDecimal.valueOf(row, 2));
  }

  private static List<Long> rowsWithNullA() {
    return IntStream.range(0, WIDE_ROWS).filter(i -> i % 10 == 3).mapToObj(i -> (long) i).toList();
  }

  private void drain(byte[] ticket) throws Exception {
    try (FlightStream stream = client.getStream(new Ticket(ticket))) {
      while (stream.next()) {
        // an error arrives as an exception from next()
      }
    }
  }

  private static FlightRuntimeException assertThrowsFlight(ThrowingRunnable call) {
    return org.junit.jupiter.api.Assertions.assertThrows(FlightRuntimeException.class, call::run);
  }

  /** Contains {@code expected}, fits well inside a gRPC header, and names no Java class. */
  private static void assertShortMessage(FlightRuntimeException e, String expected) {
    String message = e.status().description();
    assertTrue(message.contains(expected), () -> "\"" + message + "\" should say \"" + expected + "\"");
    assertTrue(message.getBytes(StandardCharsets.UTF_8).length < 1024,
        () -> "message of " + message.length() + " characters: " + message.substring(0, 300));
    assertFalse(message.contains("Exception") || message.contains("java.") || message.contains("\tat "),
        () -> "no Java class names reach the client: " + message);
  }

  private void assertStillServes() throws Exception {
    FlightReads.Result result = FlightReads.read(client, ReadTicket.of(good).withColumns(List.of("id")));
    assertEquals(ROWS, result.rows().size());
  }
}
