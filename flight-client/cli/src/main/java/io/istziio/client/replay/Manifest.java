package io.istziio.client.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.istziio.client.protocol.Json;
import io.istziio.client.protocol.ReadTicket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps a trace's file indices to what to read. Either JSON, an array of
 * {@code {"index": 0, "path": "s3://...", "columns": [...], "filter": "..."}} (index defaults to
 * the position; columns and filter are optional), or plain text with one path a line (index = line
 * number, from 0).
 */
public final class Manifest {

  /** One file as gen-data lists it: its index in traces and its URI. */
  public record Entry(int index, String path) {}

  private final Map<Integer, ReadTicket> tickets;
  private final Path file;

  private Manifest(Path file, Map<Integer, ReadTicket> tickets) {
    this.file = file;
    this.tickets = tickets;
  }

  public static Manifest read(Path file) throws IOException {
    String text = Files.readString(file);
    Map<Integer, ReadTicket> tickets = new HashMap<>();
    if (text.stripLeading().startsWith("[")) {
      JsonNode entries = new ObjectMapper().readTree(text);
      for (int i = 0; i < entries.size(); i++) {
        JsonNode entry = entries.get(i);
        if (!entry.hasNonNull("path")) {
          throw new Trace.TraceException(file + ": entry " + i + " has no \"path\"");
        }
        int index = entry.has("index") ? entry.get("index").asInt() : i;
        List<String> columns = null;
        if (entry.has("columns")) {
          columns = new ArrayList<>();
          for (JsonNode column : entry.get("columns")) {
            columns.add(column.asText());
          }
        }
        String filter = entry.hasNonNull("filter") ? entry.get("filter").asText() : null;
        tickets.put(index, new ReadTicket(entry.get("path").asText(), columns, filter, null));
      }
    } else {
      int index = 0;
      for (String line : text.split("\n")) {
        if (!line.isBlank()) {
          tickets.put(index++, ReadTicket.of(line.trim()));
        }
      }
    }
    if (tickets.isEmpty()) {
      throw new Trace.TraceException(file + " lists no files");
    }
    return new Manifest(file, tickets);
  }

  /** Checks that every file the trace reads is listed, naming the first line that is not. */
  public void check(Trace trace) throws Trace.TraceException {
    for (Trace.Request request : trace.requests()) {
      if (!tickets.containsKey(request.fileIndex())) {
        throw new Trace.TraceException("trace line " + request.line() + " reads file "
            + request.fileIndex() + ", which " + file + " does not list (it lists " + tickets.size()
            + " files)");
      }
    }
  }

  /** A manifest of plain entries as UTF-8 JSON, one entry a line. */
  public static byte[] toJson(List<Entry> entries) {
    StringBuilder json = new StringBuilder("[\n");
    for (int i = 0; i < entries.size(); i++) {
      json.append("  ").append(new String(Json.write(entries.get(i)), StandardCharsets.UTF_8))
          .append(i + 1 < entries.size() ? ",\n" : "\n");
    }
    return json.append("]\n").toString().getBytes(StandardCharsets.UTF_8);
  }

  public static void write(List<Entry> entries, Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.write(file, toJson(entries));
  }

  /** The paths listed, in index order, each once. */
  public List<String> paths() {
    java.util.Set<String> paths = new java.util.LinkedHashSet<>();
    new java.util.TreeMap<>(tickets).values().forEach(ticket -> paths.add(ticket.path()));
    return List.copyOf(paths);
  }

  public ReadTicket ticket(int fileIndex) {
    return tickets.get(fileIndex);
  }

  /** Every ticket with the given columns and filter applied over the manifest's own. */
  public Manifest override(List<String> columns, String filter) {
    Map<Integer, ReadTicket> changed = new HashMap<>();
    tickets.forEach((index, ticket) -> {
      ReadTicket next = ticket;
      if (columns != null) {
        next = next.withColumns(columns);
      }
      if (filter != null) {
        next = next.withFilter(filter);
      }
      changed.put(index, next);
    });
    return new Manifest(file, changed);
  }
}
