package io.istziio.client.cli;

import io.istziio.client.DatasetResult;
import io.istziio.client.DatasetStream;
import io.istziio.client.DictionaryBatchConsumer;
import io.istziio.client.IstziioClient;
import io.istziio.client.ReadResult;
import io.istziio.client.protocol.ReadStats;
import io.istziio.client.protocol.ReadTicket;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.DictionaryUtility;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Reads one object through the cluster (straight from its owner), prints its first rows and what
 * the node said about the read, and optionally writes every row to a file.
 */
@Command(name = "get", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Reads PATH (s3://bucket/key.parquet or file:///path.parquet) from the node that "
        + "owns it, prints the first rows as a table, then the row count, the time, the node that "
        + "served it and its cache outcome. With --out, also writes every row to a file. A PATH "
        + "ending in / (a prefix) or holding * (a glob, ** for any depth) is a dataset: every "
        + "file is read from its owner, several at once, and the rows come file by file in path "
        + "order.")
final class GetCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "PATH",
      description = "The object to read, or a dataset: s3://bucket/dir/ or s3://bucket/dir/**/*.parquet.")
  String path;

  @Mixin ClusterOptions cluster;

  @Mixin SpreadOption spread;

  @Option(names = "--columns", split = ",", paramLabel = "COLUMN",
      description = "Columns to read, in this order, comma-separated. Default: all.")
  List<String> columns;

  @Option(names = "--filter", paramLabel = "EXPR",
      description = "Rows to read: a predicate such as \"id < 100 AND name IS NOT NULL\", "
          + "evaluated in the node. Default: every row.")
  String filter;

  @Option(names = "--partitioning", paramLabel = "hive|none",
      description = "For a dataset: hive adds a column per key=value directory, none adds none. "
          + "Default: hive when every file's directories are key=value.")
  String partitioning;

  @Option(names = "--out", paramLabel = "FILE",
      description = "Also write every row read to FILE; the format follows the extension: "
          + ResultFile.FORMATS + ".")
  Path out;

  @Option(names = "--limit", defaultValue = "10", paramLabel = "N",
      description = "Rows to print; the rest are read and counted. Default: ${DEFAULT-VALUE}.")
  int limit;

  @Override
  public Integer call() throws Exception {
    if (limit < 0) {
      throw new ParameterException(spec.commandLine(), "--limit must be 0 or more, got " + limit);
    }
    ReadTicket ticket = ReadTicket.of(path).withColumns(columns).withFilter(filter)
        .withPartitioning(partitioning);
    PrintStream stdout = System.out;
    try (ResultFile file = resultFile(); IstziioClient client = spread.apply(cluster.connect())) {
      Rows rows = new Rows(file);
      long start = System.nanoTime();
      String summary;
      long read;
      if (ticket.isDataset()) {
        DatasetResult result;
        try (DatasetStream stream = client.streamDataset(ticket)) {
          while (stream.next()) {
            rows.accept(stream.root(), stream.dictionaries());
          }
          result = stream.result();
        }
        summary = summary(result, System.nanoTime() - start);
        read = result.rows();
      } else {
        ReadResult result = client.read(ticket, rows);
        summary = summary(result, System.nanoTime() - start);
        read = result.rows();
      }
      if (rows.table == null) { // no batch at all: the schema still names the columns
        rows.beginEmpty(schema(client, ticket));
      }
      if (file != null) {
        file.finish();
      }
      if (limit > 0) {
        rows.table.print(stdout);
      }
      stdout.println(summary);
      if (file != null) {
        stdout.printf(Locale.ROOT, "wrote %,d rows to %s (%,d bytes)%n", read, out,
            Files.size(out));
      }
    }
    return 0;
  }

  private ResultFile resultFile() {
    if (out == null) {
      return null;
    }
    ResultFile file = ResultFile.forPath(out);
    if (file == null) {
      throw new ParameterException(spec.commandLine(), "cannot tell the format of --out " + out
          + " from its extension; use " + ResultFile.FORMATS);
    }
    return file;
  }

  private static Schema schema(IstziioClient client, ReadTicket ticket) {
    FlightInfo info = client.info(ticket);
    return info.getSchemaOptional().orElseGet(() -> new Schema(List.of()));
  }

  private static String summary(ReadResult result, long elapsedNanos) {
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%,d rows in %.1f ms from %s",
        result.rows(), elapsedNanos / 1e6, result.servedBy().id()));
    if (!result.servedBy().id().equals(result.servedBy().location())) {
      line.append(" (").append(result.servedBy().location()).append(')');
    }
    if (result.failovers() > 0) {
      line.append(String.format(Locale.ROOT, " after %d unreachable node(s)", result.failovers()));
    }
    ReadStats stats = result.stats();
    if (stats != null) {
      line.append(String.format(Locale.ROOT,
          "; node: cache %s from %s, fetch %.1f ms, scan %.1f ms, %,d batches, %,d bytes",
          stats.cache(), stats.tier() != null ? stats.tier() : "disk", stats.fetchNanos() / 1e6, stats.scanNanos() / 1e6, stats.batches(), stats.bytes()));
    }
    return line.toString();
  }

  /** "N rows from F files in T ms; nodes: n1 (3 files), n2 (2 files); cache: H hits of F". */
  private static String summary(DatasetResult result, long elapsedNanos) {
    Map<String, Integer> files = new TreeMap<>();
    result.endpoints().forEach(r -> files.merge(r.servedBy().id(), 1, Integer::sum));
    List<String> nodes = new ArrayList<>();
    files.forEach((node, count) -> nodes.add(node + " (" + count + (count == 1 ? " file)" : " files)")));
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
        "%,d rows from %,d files in %.1f ms", result.rows(), result.endpoints().size(),
        elapsedNanos / 1e6));
    if (!nodes.isEmpty()) {
      line.append("; nodes: ").append(String.join(", ", nodes));
      line.append(String.format(Locale.ROOT, "; cache: %d hits of %d files", result.hits(),
          result.endpoints().size()));
    }
    if (result.failovers() > 0) {
      line.append(String.format(Locale.ROOT, "; %d failover(s)", result.failovers()));
    }
    return line.toString();
  }

  /**
   * Takes the batches: the first rows for the table (dictionary-encoded columns as their values),
   * every row for the file.
   */
  private final class Rows implements DictionaryBatchConsumer {
    private final ResultFile file;
    private Table table;

    Rows(ResultFile file) {
      this.file = file;
    }

    void begin(Schema schema, DictionaryProvider dictionaries) throws Exception {
      table = new Table(schema.getFields().stream().map(Field::getName).toList());
      if (file != null) {
        file.start(schema, dictionaries);
      }
    }

    /**
     * Begins from GetFlightInfo's schema, in which a dictionary-encoded field is typed by its
     * values: the file takes the batches' form, with empty dictionaries.
     */
    void beginEmpty(Schema schema) throws Exception {
      try (BufferAllocator allocator = new RootAllocator()) {
        Map<Long, Dictionary> dictionaries = new HashMap<>();
        Schema inMemory = new Schema(schema.getFields().stream()
            .map(field -> DictionaryUtility.toMemoryFormat(field, allocator, dictionaries))
            .toList(), schema.getCustomMetadata());
        try {
          begin(inMemory, new DictionaryProvider.MapDictionaryProvider(
              dictionaries.values().toArray(Dictionary[]::new)));
        } finally {
          dictionaries.values().forEach(dictionary -> dictionary.getVector().close());
        }
      }
    }

    @Override
    public void accept(VectorSchemaRoot batch, DictionaryProvider dictionaries) throws Exception {
      if (table == null) {
        begin(batch.getSchema(), dictionaries);
      }
      for (int i = 0; i < batch.getRowCount() && table.size() < limit; i++) {
        List<String> cells = new ArrayList<>();
        for (FieldVector vector : batch.getFieldVectors()) {
          String value = Values.format(vector, i, dictionaries);
          cells.add(value == null ? "null" : value);
        }
        table.add(cells);
      }
      if (file != null) {
        file.write(batch, dictionaries);
      }
    }
  }
}
