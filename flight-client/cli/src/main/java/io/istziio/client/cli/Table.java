package io.istziio.client.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A plain text table with columns as wide as their widest cell. */
final class Table {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  Table(List<String> header) {
    this.header = List.copyOf(header);
  }

  Table(String... header) {
    this(List.of(header));
  }

  int size() {
    return rows.size();
  }

  void add(List<String> row) {
    if (row.size() != header.size()) {
      throw new IllegalArgumentException("a row of " + row.size() + " cells in a table of "
          + header.size() + " columns");
    }
    rows.add(row);
  }

  void add(String... row) {
    add(List.of(row));
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
