package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.data.GeneratedBatches;
import io.istziio.client.data.ParquetFiles;
import io.istziio.client.protocol.ReadStats;
import io.istziio.client.protocol.ReadTicket;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.complex.impl.UnionListWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.Util;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fields inside struct columns selected by dotted path, with the schema pyarrow's read_table gives
 * for the same names, and row counts taken from the row groups.
 */
class NestedReadTest extends NodeTestBase {

  private static final Field A = field("a", new ArrowType.Int(64, true));
  private static final Field B = field("b", ArrowType.Utf8.INSTANCE);
  private static final Field TB =
      field("b", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE));
  private static final Field T = field("t", ArrowType.Struct.INSTANCE, TB);
  /**
   * id; s: struct&lt;a, b, t: struct&lt;b&gt;&gt;; a top-level column named "s.a"; l: list&lt;int64&gt;.
   */
  static final Schema SCHEMA = new Schema(List.of(
      field("id", new ArrowType.Int(64, true)),
      field("s", ArrowType.Struct.INSTANCE, A, B, T),
      field("s.a", new ArrowType.Int(64, true)),
      field("l", ArrowType.List.INSTANCE, field("element", new ArrowType.Int(64, true)))));
  /** Six rows in two row groups (4 + 2); s is null in the last row. */
  static final int ROWS = 6;

  private static Path nested;

  @BeforeAll
  static void writeNested() throws Exception {
    nested = shared.resolve("nested.parquet");
    try (BufferAllocator allocator = new RootAllocator()) {
      ParquetFiles.write(nested, allocator, new NestedBatches(allocator));
    }
  }

  private static Field field(String name, ArrowType type, Field... children) {
    return new Field(name, FieldType.nullable(type), List.of(children));
  }

  @Test
  void structFieldsComeBackAsPyarrowsReadTableGivesThem() throws Exception {
    s3.put(BUCKET, "nested.parquet", nested);
    String path = "s3://" + BUCKET + "/nested.parquet";
    FlightClient client = connect(start(config(64 << 20)));
    // "s.a" is the top-level column of that name (an exact name wins); "s.t.b" is inside s.t.
    ReadTicket ticket = ReadTicket.of(path).withColumns(List.of("s.t.b", "id", "s.a", "s.b"));

    FlightReads.Result result = FlightReads.read(client, ticket);
    FlightInfo info = client.getInfo(FlightDescriptor.command(ticket.toJsonBytes()));

    List<Field> expected = List.of(rename(TB, "b"), SCHEMA.getFields().get(0),
        SCHEMA.getFields().get(2), rename(B, "b"));
    assertEquals(expected, result.schema().getFields());
    assertEquals(expected, info.getSchemaOptional().orElseThrow().getFields());
    assertEquals(ROWS, result.rows().size());
    assertEquals(ROWS, info.getRecords());
    assertTrue(info.getBytes() > 0, "bytes of the selected leaves: " + info.getBytes());
  }

  @Test
  void valuesOfAStructsFieldAreTheFieldsValuesAndNullWhereTheStructIs() throws Exception {
    s3.put(BUCKET, "values.parquet", nested);
    FlightClient client = connect(start(config(64 << 20)));

    FlightReads.Result result = FlightReads.read(client,
        ReadTicket.of("s3://" + BUCKET + "/values.parquet").withColumns(List.of("id", "s.t.b")));

    for (int i = 0; i < ROWS; i++) {
      Map<String, Object> row = result.rows().get(i);
      assertEquals((long) i, row.get("id"));
      assertEquals(i == ROWS - 1 ? null : i + 0.5, row.get("b"), "s.t.b of row " + i);
    }
  }

  @Test
  void aWholeStructSelectedByPathKeepsItsShape() throws Exception {
    s3.put(BUCKET, "whole.parquet", nested);
    FlightClient client = connect(start(config(64 << 20)));

    FlightReads.Result result = FlightReads.read(client,
        ReadTicket.of("s3://" + BUCKET + "/whole.parquet").withColumns(List.of("s.t")));

    assertEquals(List.of(T), result.schema().getFields());
    assertEquals(ROWS, result.stats().rows());
  }

  @Test
  void nestedSelectionsOfAFileTheMemoryTierHoldsAreScannedFromDisk() throws Exception {
    s3.put(BUCKET, "held.parquet", nested);
    String path = "s3://" + BUCKET + "/held.parquet";
    Node node = start(config(64 << 20).withMemoryBytes(64 << 20));
    FlightClient client = connect(node);
    warmMemory(node, client, path);

    FlightReads.Result nestedRead =
        FlightReads.read(client, ReadTicket.of(path).withColumns(List.of("s.b")));
    FlightReads.Result topLevel =
        FlightReads.read(client, ReadTicket.of(path).withColumns(List.of("s.a")));

    assertEquals(ReadStats.DISK, nestedRead.stats().tier());
    assertEquals(List.of(rename(B, "b")), nestedRead.schema().getFields());
    assertEquals("b3", nestedRead.rows().get(3).get("b"));
    assertEquals(ReadStats.MEMORY, topLevel.stats().tier(), "a top-level column named s.a");
    assertEquals(103L, topLevel.rows().get(3).get("s.a"));
  }

  @Test
  void insideAListOrAMissingFieldIsRefusedSayingWhy() throws Exception {
    s3.put(BUCKET, "refused.parquet", nested);
    String path = "s3://" + BUCKET + "/refused.parquet";
    FlightClient client = connect(start(config(64 << 20)));

    String list = assertStatus(FlightStatusCode.INVALID_ARGUMENT, () -> FlightReads.read(client,
        ReadTicket.of(path).withColumns(List.of("l.element")))).status().description();
    String missing = assertStatus(FlightStatusCode.INVALID_ARGUMENT, () -> client.getInfo(
        FlightDescriptor.command(ReadTicket.of(path).withColumns(List.of("s.zz")).toJsonBytes())))
        .status().description();
    String bare = assertStatus(FlightStatusCode.INVALID_ARGUMENT, () -> FlightReads.read(client,
        ReadTicket.of(path).withFilter("s.b = 'b1'"))).status().description();
    String quoted = assertStatus(FlightStatusCode.INVALID_ARGUMENT, () -> client.getInfo(
        FlightDescriptor.command(ReadTicket.of(path).withFilter("\"s.b\" = 'b1'").toJsonBytes())))
        .status().description();

    assertEquals("column \"l.element\" of " + path + ": \"l\" is a list, whose values cannot be "
        + "selected by name (pyarrow's read_table cannot either); ask for the whole column \"l\"",
        list);
    assertEquals("unknown column \"s.zz\" in " + path + ": struct \"s\" has no field \"zz\"; its "
        + "fields are: a, b, t", missing);
    assertTrue(bare.contains("unexpected '.': filters compare top-level columns only"), bare);
    assertEquals("filters compare top-level columns only; \"s.b\" (at position 0) is a field "
        + "inside column \"s\": filter in the client", quoted);
    assertEquals(ROWS, FlightReads.read(client, ReadTicket.of(path)).rows().size(),
        "the node keeps serving");
  }

  @Test
  void rowsComeFromTheRowGroupsWhenTheFooterSaysZero() throws Exception {
    Path zero = tmp.resolve("zero-rows.parquet");
    Files.write(zero, withFileRows(Files.readAllBytes(nested), 0));
    s3.put(BUCKET, "zero-rows.parquet", zero);
    String path = "s3://" + BUCKET + "/zero-rows.parquet";
    FlightClient client = connect(start(config(64 << 20)));

    FlightInfo info = client.getInfo(FlightDescriptor.path(path));
    FlightReads.Result result = read(client, path);

    assertEquals(ROWS, info.getRecords());
    assertEquals(ROWS, result.rows().size());
    assertEquals(ROWS, result.stats().rowsScanned());
  }

  private static Field rename(Field field, String name) {
    return new Field(name, field.getFieldType(), field.getChildren());
  }

  /** The file with its footer's num_rows field set to {@code rows}; the row groups unchanged. */
  static byte[] withFileRows(byte[] file, long rows) throws Exception {
    ByteBuffer tail = ByteBuffer.wrap(file, file.length - 8, 4).order(ByteOrder.LITTLE_ENDIAN);
    int footerLength = tail.getInt();
    int footerStart = file.length - 8 - footerLength;
    FileMetaData metadata = Util.readFileMetaData(
        new ByteArrayInputStream(file, footerStart, footerLength));
    assertFalse(metadata.getNum_rows() == rows, "the file already says " + rows);
    metadata.setNum_rows(rows);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(file, 0, footerStart);
    ByteArrayOutputStream footer = new ByteArrayOutputStream();
    Util.writeFileMetaData(metadata, footer);
    footer.writeTo(out);
    out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(footer.size()).array());
    out.write("PAR1".getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  /** The rows of {@link #SCHEMA}: two batches, which the writer makes two row groups. */
  private static final class NestedBatches extends GeneratedBatches {
    private int next;

    NestedBatches(BufferAllocator allocator) {
      super(allocator, SCHEMA);
    }

    @Override
    public boolean loadNextBatch() throws java.io.IOException {
      if (next >= ROWS) {
        return false;
      }
      VectorSchemaRoot root = getVectorSchemaRoot();
      root.allocateNew();
      int count = next == 0 ? 4 : ROWS - next;
      BigIntVector id = (BigIntVector) root.getVector("id");
      StructVector s = (StructVector) root.getVector("s");
      BigIntVector sa = (BigIntVector) root.getVector("s.a");
      ListVector l = (ListVector) root.getVector("l");
      StructVector t = s.getChild("t", StructVector.class);
      UnionListWriter writer = l.getWriter();
      for (int i = 0; i < count; i++) {
        long row = next + i;
        id.setSafe(i, row);
        sa.setSafe(i, 100 + row);
        if (row == ROWS - 1) {
          s.setNull(i);
        } else {
          s.setIndexDefined(i);
          s.getChild("a", BigIntVector.class).setSafe(i, row * 10);
          s.getChild("b", VarCharVector.class).setSafe(i, ("b" + row).getBytes(StandardCharsets.UTF_8));
          t.setIndexDefined(i);
          t.getChild("b", Float8Vector.class).setSafe(i, row + 0.5);
        }
        writer.setPosition(i);
        writer.startList();
        writer.bigInt().writeBigInt(row);
        writer.bigInt().writeBigInt(row + 1);
        writer.endList();
      }
      root.setRowCount(count);
      next += count;
      return true;
    }
  }
}
