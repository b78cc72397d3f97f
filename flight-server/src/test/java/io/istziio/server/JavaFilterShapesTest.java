package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.istziio.client.data.ArrowSchemaFooter;
import io.istziio.client.data.GeneratedBatches;
import io.istziio.client.data.ParquetFiles;
import io.istziio.client.protocol.ReadTicket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Filters the disk path runs in Java (a float column makes the scanner unfit, see
 * ColumnKind#isNative) over the shapes the scanner hands it: a field inside a struct selected by
 * path, and a dictionary-encoded column whose dictionary changes from one row group to the next.
 */
class JavaFilterShapesTest extends NodeTestBase {

  private static final Schema SCHEMA = new Schema(List.of(
      Field.nullable("n", new ArrowType.Int(64, true)),
      Field.nullable("x", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
      new Field("tag", new FieldType(true, ArrowType.Utf8.INSTANCE,
          new DictionaryEncoding(0, false, new ArrowType.Int(32, true))), null),
      new Field("s", FieldType.nullable(ArrowType.Struct.INSTANCE),
          List.of(Field.nullable("a", new ArrowType.Int(64, true))))));
  /** Two row groups of four rows; the tags of each are dictionary-encoded on their own. */
  private static final List<List<String>> TAGS =
      List.of(List.of("a", "b", "a", "b"), List.of("c", "b", "c", "d"));

  private static Path file;

  @BeforeAll
  static void write() throws Exception {
    file = shared.resolve("java-filter-shapes.parquet");
    try (BufferAllocator allocator = new RootAllocator()) {
      ParquetFiles.write(file, allocator, new Rows(allocator));
    }
    ArrowSchemaFooter.store(file, SCHEMA);
  }

  private String put(String key) {
    s3.put(BUCKET, key, file);
    return "s3://" + BUCKET + "/" + key;
  }

  @Test
  void aStructFieldIsServedUnderAFilterRunInJava() throws Exception {
    String path = put("shapes/nested.parquet");

    FlightReads.Result result = FlightReads.read(connect(start(config(64 << 20))),
        ReadTicket.of(path).withColumns(List.of("s.a", "n")).withFilter("x > 2"));

    assertEquals(List.of("a", "n"),
        result.schema().getFields().stream().map(Field::getName).toList());
    assertEquals(List.of(20L, 30L, 40L, 50L, 60L, 70L),
        result.rows().stream().map(row -> row.get("a")).toList());
  }

  @Test
  void aDictionaryColumnCanBeFilteredInJava() throws Exception {
    String path = put("shapes/dictionary.parquet");

    FlightReads.Result result = FlightReads.read(connect(start(config(64 << 20))),
        ReadTicket.of(path).withColumns(List.of("n")).withFilter("tag = 'b' AND x > 0"));

    assertEquals(List.of(1L, 3L, 5L), result.rows().stream().map(row -> row.get("n")).toList());
  }

  @Test
  void aDictionaryColumnOnlyTheFilterReadsIsNotSent() throws Exception {
    String path = put("shapes/filter-only.parquet");

    FlightReads.Result result = FlightReads.read(connect(start(config(64 << 20))),
        ReadTicket.of(path).withColumns(List.of("n")).withFilter("x > 0 OR tag IS NULL"));

    assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L),
        result.rows().stream().map(row -> row.get("n")).toList());
  }

  private static final class Rows extends GeneratedBatches {
    private int next;
    private long row;

    Rows(BufferAllocator allocator) {
      super(allocator, SCHEMA);
    }

    @Override
    public boolean loadNextBatch() throws java.io.IOException {
      if (next == TAGS.size()) {
        return false;
      }
      prepareLoadNextBatch();
      List<String> tags = TAGS.get(next++);
      List<String> values = tags.stream().distinct().toList();
      VarCharVector dictionary = (VarCharVector) lookup(0).getVector();
      dictionary.allocateNew();
      for (int i = 0; i < values.size(); i++) {
        dictionary.setSafe(i, values.get(i).getBytes(StandardCharsets.UTF_8));
      }
      dictionary.setValueCount(values.size());
      VectorSchemaRoot root = getVectorSchemaRoot();
      root.allocateNew();
      BigIntVector n = (BigIntVector) root.getVector("n");
      Float8Vector x = (Float8Vector) root.getVector("x");
      IntVector tag = (IntVector) root.getVector("tag");
      StructVector s = (StructVector) root.getVector("s");
      BigIntVector a = s.getChild("a", BigIntVector.class);
      for (int i = 0; i < tags.size(); i++, row++) {
        n.setSafe(i, row);
        x.setSafe(i, row + 0.5);
        tag.setSafe(i, values.indexOf(tags.get(i)));
        s.setIndexDefined(i);
        a.setSafe(i, row * 10);
      }
      root.setRowCount(tags.size());
      return true;
    }
  }
}
