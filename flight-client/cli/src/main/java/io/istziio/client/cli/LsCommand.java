package io.istziio.client.cli;

import io.istziio.client.IstziioClient;
import io.istziio.client.protocol.CachedObject;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.ring.Member;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Lists a dataset's files (GetFlightInfo's endpoints), or what the nodes cache (ListFlights). */
@Command(name = "ls", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Lists the files of the dataset PREFIX (a prefix ending in /, a glob, or one "
        + "object) as GetFlightInfo answers them: path, owner and bytes when the node sends them. "
        + "With --cached, lists what the nodes cache instead (ListFlights): node, tier, bytes, "
        + "version and path of every cached object whose path starts with PREFIX.")
final class LsCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "PREFIX", arity = "0..1",
      description = "The dataset, e.g. s3://bucket/table/ or s3://bucket/table/**/*.parquet; "
          + "with --cached, a path prefix (default: everything).")
  String prefix;

  @Mixin ClusterOptions cluster;

  @Option(names = "--cached",
      description = "List what nodes cache (ListFlights): the --node locations given, else "
          + "every member of the ring.")
  boolean cached;

  @Option(names = "--partitioning", paramLabel = "hive|none",
      description = "For a dataset: hive or none. Default: hive when every file's directories "
          + "are key=value.")
  String partitioning;

  @Override
  public Integer call() throws Exception {
    try (IstziioClient client = cluster.connect()) {
      if (cached) {
        if (prefix != null && prefix.indexOf('*') >= 0) { // ListFlights takes a prefix only
          throw new ParameterException(spec.commandLine(), "--cached lists by path prefix, not by "
              + "glob; give the part before the first *, e.g. "
              + prefix.substring(0, prefix.lastIndexOf('/', prefix.indexOf('*')) + 1));
        }
        listCached(client);
      } else {
        if (prefix == null) {
          throw new ParameterException(spec.commandLine(),
              "give the dataset to list, e.g. s3://bucket/table/, or --cached");
        }
        listFiles(client);
      }
    }
    return 0;
  }

  private void listFiles(IstziioClient client) {
    FlightInfo info = client.info(ReadTicket.of(prefix).withPartitioning(partitioning));
    Table table = new Table("path", "owner", "bytes");
    for (FlightEndpoint endpoint : info.getEndpoints()) {
      String owner = endpoint.getLocations().isEmpty() ? "-"
          : ownerId(client, endpoint.getLocations().get(0).getUri().toString());
      long bytes = EndpointPaths.bytes(endpoint);
      table.add(EndpointPaths.of(endpoint), owner,
          bytes < 0 ? "-" : String.format(Locale.ROOT, "%,d", bytes));
    }
    PrintStream out = System.out;
    table.print(out);
    out.printf(Locale.ROOT, "%,d files; records %s, bytes %s%n", info.getEndpoints().size(),
        count(info.getRecords()), count(info.getBytes()));
  }

  private void listCached(IstziioClient client) {
    List<String> locations = new ArrayList<>();
    if (spec.commandLine().getParseResult().hasMatchedOption("--node")) {
      locations.addAll(cluster.nodes);
    } else {
      client.view().members().forEach(member -> locations.add(member.location()));
    }
    Table table = new Table("node", "tier", "bytes", "etag", "path");
    long objects = 0;
    long bytes = 0;
    for (String location : locations) {
      List<CachedObject> listed = NodeCalls.at(location,
          () -> client.cached(location, prefix == null ? "" : prefix));
      for (CachedObject object : listed) {
        table.add(ownerId(client, location), object.tier(),
            String.format(Locale.ROOT, "%,d", object.bytes()), object.etag(), object.path());
        objects++;
        bytes += object.bytes();
      }
    }
    PrintStream out = System.out;
    table.print(out);
    out.printf(Locale.ROOT, "%,d objects, %,d bytes on %d node(s)%n", objects, bytes,
        locations.size());
  }

  /** The member id at {@code location} in the client's view, else the location itself. */
  private static String ownerId(IstziioClient client, String location) {
    return client.view().members().stream().filter(m -> m.location().equals(location))
        .map(Member::id).findFirst().orElse(location);
  }

  private static String count(long value) {
    return value < 0 ? "unknown" : String.format(Locale.ROOT, "%,d", value);
  }
}
