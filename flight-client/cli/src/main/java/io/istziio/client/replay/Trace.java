package io.istziio.client.replay;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * An access trace in ISTZIO's format: CSV with a header {@code timestamp,file_index} (or
 * {@code timestamp,file}), one request a line: its arrival in milliseconds after the start, and
 * the index of the file it reads.
 */
public record Trace(List<Request> requests) {

  /** One request of the trace; {@code line} is its line in the file, for messages. */
  public record Request(int sequence, long atMillis, int fileIndex, int line) {}

  public static Trace read(Path file) throws IOException {
    List<Request> requests = new ArrayList<>();
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String header = reader.readLine();
      if (header == null) {
        throw new TraceException(file + " is empty; a trace starts with the header timestamp,file_index");
      }
      String normalized = header.replace(" ", "").toLowerCase(java.util.Locale.ROOT);
      if (!normalized.equals("timestamp,file_index") && !normalized.equals("timestamp,file")) {
        throw new TraceException(file + ":1: expected the header timestamp,file_index, found \"" + header + "\"");
      }
      String text;
      int line = 1;
      while ((text = reader.readLine()) != null) {
        line++;
        if (text.isBlank()) {
          continue;
        }
        String[] fields = text.split(",", -1);
        if (fields.length != 2) {
          throw new TraceException(file + ":" + line + ": expected two fields timestamp,file_index, found \"" + text + "\"");
        }
        try {
          long at = Long.parseLong(fields[0].trim());
          int index = Integer.parseInt(fields[1].trim());
          if (at < 0 || index < 0) {
            throw new NumberFormatException("negative");
          }
          requests.add(new Request(requests.size(), at, index, line));
        } catch (NumberFormatException e) {
          throw new TraceException(file + ":" + line + ": \"" + text + "\" is not a non-negative "
              + "integer millisecond timestamp and file index");
        }
      }
    }
    requests.sort(Comparator.comparingLong(Request::atMillis)); // stable: ties keep file order
    List<Request> numbered = new ArrayList<>(requests.size());
    for (Request request : requests) {
      numbered.add(new Request(numbered.size(), request.atMillis(), request.fileIndex(), request.line()));
    }
    return new Trace(List.copyOf(numbered));
  }

  /** A trace or manifest that cannot be used, with the file and line at fault. */
  public static final class TraceException extends IOException {
    public TraceException(String message) {
      super(message);
    }
  }
}
