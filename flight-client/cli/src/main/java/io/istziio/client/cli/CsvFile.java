package io.istziio.client.cli;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * CSV as RFC 4180 has it: a header row, CRLF line ends, a field quoted when it holds a comma, a
 * quote or a line break (quotes doubled). A null is an empty field; an empty string is {@code ""},
 * so the two stay apart. Values as {@link Values} writes them (ISO dates and timestamps); a
 * dictionary-encoded column as its values.
 */
final class CsvFile implements ResultFile {

  private static final String LINE_END = "\r\n";

  private final Path path;
  private Writer out;
  private boolean finished;

  CsvFile(Path path) {
    this.path = path;
  }

  @Override
  public void start(Schema schema, DictionaryProvider dictionaries) throws IOException {
    out = Files.newBufferedWriter(path, StandardCharsets.UTF_8);
    List<Field> fields = schema.getFields();
    for (int c = 0; c < fields.size(); c++) {
      if (c > 0) {
        out.write(',');
      }
      out.write(quote(fields.get(c).getName()));
    }
    out.write(LINE_END);
  }

  @Override
  public void write(VectorSchemaRoot batch, DictionaryProvider dictionaries) throws IOException {
    List<FieldVector> vectors = batch.getFieldVectors();
    for (int row = 0; row < batch.getRowCount(); row++) {
      for (int c = 0; c < vectors.size(); c++) {
        if (c > 0) {
          out.write(',');
        }
        String value = Values.format(vectors.get(c), row, dictionaries);
        if (value != null) {
          out.write(quote(value));
        }
      }
      out.write(LINE_END);
    }
  }

  /** The field as RFC 4180 writes it. */
  static String quote(String value) {
    boolean needsQuotes = value.isEmpty();
    for (int i = 0; i < value.length() && !needsQuotes; i++) {
      char c = value.charAt(i);
      needsQuotes = c == ',' || c == '"' || c == '\r' || c == '\n';
    }
    return needsQuotes ? '"' + value.replace("\"", "\"\"") + '"' : value;
  }

  @Override
  public void finish() throws IOException {
    out.flush();
    finished = true;
  }

  @Override
  public void close() throws IOException {
    try {
      if (out != null) {
        out.close();
      }
    } finally {
      if (!finished) {
        Files.deleteIfExists(path);
      }
    }
  }
}
