package io.istziio.server;

import io.istziio.client.data.ArrowSchemaFooter;
import io.istziio.client.data.GeneratedBatches;
import io.istziio.client.data.ParquetFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Writes Parquet files with a dictionary-encoded string column {@code tag} (dictionary&lt;int32,
 * string&gt;, as pyarrow writes a pandas Categorical) and an int64 {@code n} counting the rows from
 * 0. Each row group is dictionary-encoded on its own, so row groups with other values carry other
 * dictionaries.
 */
final class DictionaryParquet {

  static final Schema SCHEMA = new Schema(List.of(
      Field.nullable("n", new ArrowType.Int(64, true)),
      new Field("tag", new FieldType(true, ArrowType.Utf8.INSTANCE,
          new DictionaryEncoding(0, false, new ArrowType.Int(32, true))), null)));

  private DictionaryParquet() {}

  /** Writes one row group per list of tags (null for a null tag). */
  static void write(Path file, List<List<String>> groups) throws Exception {
    try (BufferAllocator allocator = new RootAllocator()) {
      ParquetFiles.write(file, allocator, new Groups(allocator, groups));
    }
    ArrowSchemaFooter.store(file, SCHEMA); // tells readers that tag is a dictionary
  }

  private static final class Groups extends GeneratedBatches {
    private final List<List<String>> groups;
    private int next;
    private long row;

    Groups(BufferAllocator allocator, List<List<String>> groups) {
      super(allocator, SCHEMA);
      this.groups = groups;
    }

    @Override
    public boolean loadNextBatch() throws java.io.IOException {
      if (next == groups.size()) {
        return false;
      }
      prepareLoadNextBatch();
      List<String> tags = groups.get(next++);
      List<String> values = new ArrayList<>(); // in order of first use, as pyarrow encodes
      tags.stream().filter(t -> t != null && !values.contains(t)).forEach(values::add);
      VarCharVector dictionary = (VarCharVector) lookup(0).getVector();
      dictionary.allocateNew();
      for (int i = 0; i < values.size(); i++) {
        dictionary.setSafe(i, values.get(i).getBytes(StandardCharsets.UTF_8));
      }
      dictionary.setValueCount(values.size());
      VectorSchemaRoot root = getVectorSchemaRoot();
      BigIntVector n = (BigIntVector) root.getVector("n");
      IntVector indices = (IntVector) root.getVector("tag");
      n.allocateNew(tags.size());
      indices.allocateNew(tags.size());
      for (int i = 0; i < tags.size(); i++) {
        n.set(i, row++);
        if (tags.get(i) == null) {
          indices.setNull(i);
        } else {
          indices.set(i, values.indexOf(tags.get(i)));
        }
      }
      root.setRowCount(tags.size());
      return true;
    }
  }
}
