package io.istziio.client.cli;

import io.istziio.client.IstziioClient;
import io.istziio.client.protocol.Json;
import io.istziio.client.protocol.NodeStats;
import io.istziio.ring.Member;
import io.istziio.ring.RingView;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The counters of one node or of every member. */
@Command(name = "stats", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Prints the counters of NODE, or of every member of the ring, as a table: cache "
        + "use and bound, entries, pinned copies (and their bytes), hits, misses, bypasses, "
        + "downloads, evictions, Arrow memory held and misrouted DoGets. A node that cannot be "
        + "reached is reported on stderr, and the exit code is then 1.")
final class StatsCommand implements Callable<Integer> {

  @Parameters(paramLabel = "NODE", arity = "0..1",
      description = "A member id as the ring lists it, or a location such as "
          + "grpc+tcp://host:8815. Default: every member of the ring.")
  String node;

  @Mixin ClusterOptions cluster;

  @Option(names = "--json",
      description = "Print the raw JSON instead: the node's object for NODE, else an array.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    List<NodeStats> stats = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    // A location needs no ring: reach it directly rather than through the --node seeds.
    boolean direct = node != null && node.contains("://");
    try (IstziioClient client = direct ? cluster.connect(node) : cluster.connect()) {
      for (String location : locations(client)) {
        try {
          stats.add(NodeCalls.at(location, () -> client.stats(location)));
        } catch (RuntimeException e) {
          failures.add(Messages.of(e));
        }
      }
    }
    if (json) {
      if (node == null) {
        printJson(stats);
      } else if (!stats.isEmpty()) {
        printJson(stats.get(0));
      }
    } else if (!stats.isEmpty()) {
      table(stats).print(System.out);
    }
    failures.forEach(failure -> System.err.println("istziio stats: " + failure));
    return failures.isEmpty() ? 0 : 1;
  }

  private static void printJson(Object value) {
    System.out.println(new String(Json.write(value), StandardCharsets.UTF_8));
  }

  /** The nodes to ask: NODE, else the members of the client's view. */
  private List<String> locations(IstziioClient client) {
    RingView view = client.view();
    if (node != null) {
      if (node.contains("://")) {
        return List.of(node);
      }
      Member member = view.member(node);
      if (member == null) {
        throw new IllegalArgumentException("no member \"" + node + "\" in the ring; its members: "
            + String.join(", ", view.members().stream().map(Member::id).toList())
            + " (or give a location such as grpc+tcp://host:8815)");
      }
      return List.of(member.location());
    }
    return view.members().stream().map(Member::location).toList();
  }

  private static Table table(List<NodeStats> stats) {
    Table table = new Table("node", "location", "hit ratio", "memory used", "memory hits",
        "cache used", "capacity", "entries", "pinned", "hits", "misses", "bypasses", "downloads",
        "evictions", "arrow memory", "native memory", "misrouted");
    for (NodeStats s : stats) {
      NodeStats.Memory memory = s.memory();
      table.add(s.node(), s.location(), String.format(Locale.ROOT, "%.1f%%", 100 * s.hitRatio()),
          memory == null ? "-" : Bytes.format(memory.usedBytes()) + " of "
              + Bytes.format(memory.capacityBytes()),
          memory == null ? "-" : count(memory.hits()), Bytes.format(s.cacheUsedBytes()),
          Bytes.format(s.cacheCapacityBytes()), count(s.cacheEntries()),
          count(s.pinnedEntries()) + " (" + Bytes.format(s.pinnedBytes()) + ")", count(s.hits()),
          count(s.misses()), count(s.bypasses()), count(s.downloads()), count(s.evictions()),
          Bytes.format(s.arrowAllocatedBytes()), Bytes.format(s.nativeAllocatedBytes()),
          count(s.misroutedDoGets()));
    }
    return table;
  }

  private static String count(long value) {
    return String.format(Locale.ROOT, "%,d", value);
  }
}
