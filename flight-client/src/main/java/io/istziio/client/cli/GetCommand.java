package io.istziio.client.cli;

import io.istziio.client.protocol.ReadStats;
import io.istziio.client.protocol.ReadTicket;
import java.io.PrintStream;
import java.net.URI;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Streams one object from a node, prints its first rows and what the node said about the read. */
@Command(name = "get", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Reads PATH (s3://bucket/key.parquet or file:///path.parquet) from a node and "
        + "prints the first rows as a table, then the row count and the node's cache outcome.")
final class GetCommand implements Callable<Integer> {

  @Parameters(paramLabel = "PATH", description = "The object to read.")
  String path;

  @Option(names = "--node", defaultValue = "${env:ISTZIO_NODE:-grpc+tcp://127.0.0.1:8815}",
      description = "Location of the node to ask (env ISTZIO_NODE). Default: ${DEFAULT-VALUE}.")
  URI node;

  @Option(names = "--columns", split = ",", paramLabel = "COLUMN",
      description = "Columns to read, comma-separated. Default: all.")
  List<String> columns;

  @Option(names = "--limit", defaultValue = "10",
      description = "Rows to print; the rest are read and counted. Default: ${DEFAULT-VALUE}.")
  int limit;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    ReadTicket ticket = ReadTicket.of(path).withColumns(columns);
    long start = System.nanoTime();
    try (BufferAllocator allocator = new RootAllocator();
        FlightClient client = FlightClient.builder(allocator, new Location(node)).build();
        FlightStream stream = client.getStream(ticket.toFlightTicket())) {
      VectorSchemaRoot root = stream.getRoot();
      Table table = new Table(root.getSchema().getFields().stream().map(f -> f.getName()).toList());
      long rows = 0;
      while (stream.next()) {
        for (int i = 0; i < root.getRowCount() && table.size() < limit; i++) {
          List<String> cells = new ArrayList<>();
          for (FieldVector vector : root.getFieldVectors()) {
            cells.add(format(vector, i));
          }
          table.add(cells);
        }
        rows += root.getRowCount();
      }
      long elapsed = System.nanoTime() - start;
      table.print(out);
      ReadStats stats = ReadStats.from(stream);
      out.printf(Locale.ROOT, "%,d rows in %.1f ms", rows, elapsed / 1e6);
      if (stats != null) {
        out.printf(Locale.ROOT, "; node: cache %s, fetch %.1f ms, scan %.1f ms, %,d batches, %,d bytes",
            stats.cache(), stats.fetchNanos() / 1e6, stats.scanNanos() / 1e6, stats.batches(),
            stats.bytes());
      }
      out.println();
    }
    return 0;
  }

  private static String format(FieldVector vector, int index) {
    if (vector.isNull(index)) {
      return "null";
    }
    if (vector instanceof DateDayVector days) {
      return LocalDate.ofEpochDay(days.get(index)).toString();
    }
    return String.valueOf(vector.getObject(index));
  }

  /** A plain text table with columns as wide as their widest cell. */
  private static final class Table {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    Table(List<String> header) {
      this.header = header;
    }

    int size() {
      return rows.size();
    }

    void add(List<String> row) {
      rows.add(row);
    }

    void print(PrintStream out) {
      int[] widths = new int[header.size()];
      for (int c = 0; c < widths.length; c++) {
        widths[c] = header.get(c).length();
        for (List<String> row : rows) {
          widths[c] = Math.max(widths[c], row.get(c).length());
        }
      }
      printRow(out, header, widths);
      StringBuilder rule = new StringBuilder();
      for (int width : widths) {
        rule.append("-".repeat(width)).append("  ");
      }
      out.println(rule.toString().stripTrailing());
      for (List<String> row : rows) {
        printRow(out, row, widths);
      }
    }

    private static void printRow(PrintStream out, List<String> cells, int[] widths) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < cells.size(); c++) {
        line.append(String.format(Locale.ROOT, "%-" + widths[c] + "s  ", cells.get(c)));
      }
      out.println(line.toString().stripTrailing());
    }
  }
}
