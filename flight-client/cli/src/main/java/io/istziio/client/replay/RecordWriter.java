package io.istziio.client.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes every request of a replay to CSV or JSON, by the file's extension. */
public final class RecordWriter {

  private RecordWriter() {}

  /** Fails early, before a replay, on an --out this writer cannot write; null passes. */
  public static void checkFormat(Path file) throws IOException {
    if (file != null) {
      String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
      if (!name.endsWith(".csv") && !name.endsWith(".json")) {
        throw new IOException("--out " + file + ": write .csv or .json");
      }
    }
  }

  public static void write(Path file, List<RequestRecord> records) throws IOException {
    String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
    if (name.endsWith(".json")) {
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), records);
    } else if (name.endsWith(".csv")) {
      try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
        out.write(RequestRecord.CSV_HEADER);
        out.newLine();
        for (RequestRecord record : records) {
          out.write(record.toCsv());
          out.newLine();
        }
      }
    } else {
      throw new IOException("--out " + file + ": write .csv or .json");
    }
  }
}
