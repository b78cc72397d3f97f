package io.istziio.client.cli;

import io.istziio.client.IstziioClient;
import io.istziio.client.protocol.ReadTicket;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.Location;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** GetFlightInfo for one object or a dataset: what a read of it would return, and where. */
@Command(name = "info", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Asks the owner of PATH for its FlightInfo and prints the schema of the result, "
        + "its size (records, and uncompressed bytes of the columns asked for, both from the "
        + "Parquet footer; unknown with --filter) and the endpoint locations in order: the owner, "
        + "then its replicas. A miss downloads the object, so the read that follows is a hit. "
        + "For a dataset (PATH ending in / or holding *), one endpoint per file, each with its "
        + "path.")
final class InfoCommand implements Callable<Integer> {

  @Parameters(paramLabel = "PATH", description = "The object: s3://bucket/key or file:///path; "
      + "or a dataset: a prefix ending in / or a glob with * or **.")
  String path;

  @Mixin ClusterOptions cluster;

  @Option(names = "--columns", split = ",", paramLabel = "COLUMN",
      description = "Describe only these columns, comma-separated. Default: all.")
  List<String> columns;

  @Option(names = "--filter", paramLabel = "EXPR",
      description = "A row predicate; it is checked against the file, and the sizes become "
          + "unknown (-1). Default: none.")
  String filter;

  @Option(names = "--partitioning", paramLabel = "hive|none",
      description = "For a dataset: hive adds a column per key=value directory, none adds none. "
          + "Default: hive when every file's directories are key=value.")
  String partitioning;

  @Override
  public Integer call() throws Exception {
    ReadTicket ticket = ReadTicket.of(path).withColumns(columns).withFilter(filter)
        .withPartitioning(partitioning);
    FlightInfo info;
    try (IstziioClient client = cluster.connect()) {
      info = client.info(ticket);
    }
    PrintStream out = System.out;
    out.println("path: " + path);
    if (ticket.isDataset()) {
      out.println("files: " + String.format(Locale.ROOT, "%,d", info.getEndpoints().size()));
    }
    out.println("records: " + count(info.getRecords()));
    out.println("bytes: " + count(info.getBytes()));
    out.println("schema:");
    info.getSchemaOptional().ifPresent(schema ->
        TypeNames.lines(schema).forEach(line -> out.println("  " + line)));
    out.println("endpoints:");
    List<FlightEndpoint> endpoints = info.getEndpoints();
    if (ticket.isDataset()) {
      for (int e = 0; e < endpoints.size(); e++) {
        out.printf(Locale.ROOT, "  %d. %s%n", e + 1, EndpointPaths.of(endpoints.get(e)));
        List<Location> locations = endpoints.get(e).getLocations();
        for (int l = 0; l < locations.size(); l++) {
          out.printf(Locale.ROOT, "     %s%s%n", locations.get(l).getUri(),
              l == 0 ? " (owner)" : " (replica)");
        }
      }
      return 0;
    }
    for (int e = 0; e < endpoints.size(); e++) {
      List<Location> locations = endpoints.get(e).getLocations();
      for (int l = 0; l < locations.size(); l++) {
        out.printf(Locale.ROOT, "  %s%d. %s%s%n", endpoints.size() > 1 ? (e + 1) + "." : "", l + 1,
            locations.get(l).getUri(), l == 0 ? " (owner)" : " (replica)");
      }
    }
    return 0;
  }

  private static String count(long value) {
    return value < 0 ? "unknown" : String.format(Locale.ROOT, "%,d", value);
  }
}
