package io.istziio.client.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Where {@code get --out} writes every row of a read, as the batches arrive: {@link #start} once
 * with the schema, {@link #write} per batch, {@link #finish} after the last. Closing a file that
 * was not finished (the read failed) deletes what was written.
 */
interface ResultFile extends AutoCloseable {

  String FORMATS = ".arrow (Arrow IPC file), .arrows (Arrow IPC stream), .csv or .parquet";

  void start(Schema schema) throws IOException;

  /** Writes one batch; it is valid only during the call. */
  void write(VectorSchemaRoot batch) throws IOException;

  void finish() throws IOException;

  @Override
  void close() throws IOException;

  /** The writer for the file's extension; null if the extension is none of {@link #FORMATS}. */
  static ResultFile forPath(Path path) {
    String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".arrow")) {
      return new ArrowIpcFile(path, false);
    } else if (name.endsWith(".arrows")) {
      return new ArrowIpcFile(path, true);
    } else if (name.endsWith(".csv")) {
      return new CsvFile(path);
    } else if (name.endsWith(".parquet")) {
      return new ParquetFile(path);
    }
    return null;
  }

  /**
   * The reads hand over batches without their dictionaries, so a dictionary-encoded column cannot
   * be written; say so instead of writing its indices.
   */
  static void requireNoDictionaries(Schema schema) {
    for (Field field : schema.getFields()) {
      if (field.getDictionary() != null) {
        throw new IllegalArgumentException("column " + TypeNames.quote(field.getName())
            + " is dictionary-encoded, which --out cannot write yet; leave it out with --columns");
      }
    }
  }
}
