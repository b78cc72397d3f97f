package io.istziio.client.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Where {@code get --out} writes every row of a read, as the batches arrive: {@link #start} once
 * with the schema, {@link #write} per batch, {@link #finish} after the last. Closing a file that
 * was not finished (the read failed) deletes what was written.
 */
interface ResultFile extends AutoCloseable {

  String FORMATS = ".arrow (Arrow IPC file), .arrows (Arrow IPC stream), .csv or .parquet";

  /**
   * @param schema the batches' schema, a dictionary-encoded field typed by its indices
   * @param dictionaries the values of the dictionary-encoded fields, valid during the call
   */
  void start(Schema schema, DictionaryProvider dictionaries) throws IOException;

  /**
   * Writes one batch; it and {@code dictionaries} (this batch's: they may differ from the last
   * batch's) are valid only during the call. A dictionary-encoded column stays dictionary-encoded
   * in Arrow and Parquet files, and is written as its values in CSV.
   */
  void write(VectorSchemaRoot batch, DictionaryProvider dictionaries) throws IOException;

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
}
