package io.istziio.client.cli;

import io.istziio.client.IstziioClient;
import io.istziio.client.protocol.RingState;
import io.istziio.ring.Member;
import io.istziio.ring.RingView;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The ring as a node (or Redis) sees it. */
@Command(name = "ring", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Prints the ring view: its epoch, where it comes from (redis or a static member "
        + "list), the owners per path, and the members with their location, weight and expected "
        + "share of the paths. Asks the --node seeds in order (the first that answers), or, with "
        + "--redis, reads the membership from Redis itself.")
final class RingCommand implements Callable<Integer> {

  @Mixin ClusterOptions cluster;

  @Option(names = "--json", description = "Print the raw JSON of the view instead of a table.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    RingState state;
    try (IstziioClient client = cluster.connect()) {
      state = cluster.redis != null ? fromRedis(client.view()) : fromSeeds(client);
    }
    if (json) {
      System.out.println(new String(state.toJsonBytes(), StandardCharsets.UTF_8));
    } else {
      print(state, System.out);
    }
    return 0;
  }

  private RingState fromRedis(RingView view) {
    return new RingState(null, "redis", true, cluster.replicas, view.epoch(), view.members());
  }

  private RingState fromSeeds(IstziioClient client) {
    List<String> failures = new ArrayList<>();
    for (String seed : cluster.nodes) {
      try {
        return NodeCalls.at(seed, () -> client.ring(seed));
      } catch (RuntimeException e) {
        failures.add(Messages.of(e));
      }
    }
    throw new IllegalStateException(String.join("; ", failures));
  }

  private static void print(RingState state, PrintStream out) {
    StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "epoch %d, source %s",
        state.epoch(), state.source()));
    if (!state.reachable()) {
      header.append(" (unreachable: last view kept)");
    }
    header.append(state.replicas() > 0 ? ", " + state.replicas() + " owners per path" : "");
    if (state.node() != null) {
      header.append(", as seen by ").append(state.node());
    }
    out.println(header);
    long totalWeight = state.members().stream().mapToLong(Member::weight).sum();
    Table table = new Table("id", "location", "weight", "share");
    for (Member member : state.members()) {
      table.add(member.id(), member.location(), Integer.toString(member.weight()),
          String.format(Locale.ROOT, "%.1f%%", 100.0 * member.weight() / totalWeight));
    }
    table.print(out);
  }
}
