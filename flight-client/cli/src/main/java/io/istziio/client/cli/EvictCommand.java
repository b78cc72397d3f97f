package io.istziio.client.cli;

import io.istziio.client.IstziioClient;
import io.istziio.client.protocol.Actions;
import io.istziio.client.protocol.EvictRequest;
import io.istziio.client.protocol.EvictResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Drops cached copies from the nodes that hold them. */
@Command(name = "evict", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Drops the cached copies of PATH from the nodes' disk and memory tiers (the "
        + "evict action). An object goes to each of its owners in the ring; a prefix ending in / "
        + "or a glob to every member, which evicts what it holds that matches; with --node, to "
        + "exactly those nodes. Pinned copies stay unless --force, which unpins them. A copy being "
        + "read is deleted when its readers finish. Prints what each node dropped; exit 1 if a "
        + "node failed.")
final class EvictCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "PATH", arity = "1..*",
      description = "s3://bucket/key.parquet, a prefix such as s3://bucket/table/, or a glob.")
  List<String> paths;

  @Option(names = "--force", description = "Also evict pinned copies, unpinning them.")
  boolean force;

  @Mixin ClusterOptions cluster;

  @Override
  public Integer call() throws Exception {
    Table table = new Table("node", "disk copies", "disk bytes", "in use", "memory files",
        "memory bytes", "pinned, kept");
    List<String> failures = new ArrayList<>();
    TreeSet<String> kept = new TreeSet<>();
    long copies = 0;
    long bytes = 0;
    try (IstziioClient client = cluster.connect()) {
      Map<String, AdminRouting.Share> shares = AdminRouting.route(client, paths,
          cluster.explicitNodes(), false);
      for (Map.Entry<String, AdminRouting.Share> share : shares.entrySet()) {
        String location = share.getKey();
        List<EvictRequest> requests = new ArrayList<>();
        AdminRouting.chunks(share.getValue().objects())
            .forEach(chunk -> requests.add(EvictRequest.ofPaths(chunk, force)));
        share.getValue().patterns().forEach(pattern -> requests.add(EvictRequest.of(pattern, force)));
        long[] sum = new long[6];
        try {
          for (EvictRequest request : requests) {
            EvictResult result = NodeCalls.at(location, () -> call(client, location, request));
            sum[0] += result.entries();
            sum[1] += result.bytes();
            sum[2] += result.inUse();
            sum[3] += result.memoryEntries();
            sum[4] += result.memoryBytes();
            sum[5] += result.skippedPinned().size();
            kept.addAll(result.skippedPinned());
          }
        } catch (RuntimeException e) {
          failures.add(AdminRouting.nodeName(client, location) + ": " + Messages.of(e));
          continue;
        }
        copies += sum[0];
        bytes += sum[1];
        table.add(AdminRouting.nodeName(client, location), count(sum[0]), Bytes.format(sum[1]),
            count(sum[2]), count(sum[3]), Bytes.format(sum[4]), count(sum[5]));
      }
      table.print(System.out);
      System.out.printf(Locale.ROOT, "evicted %s disk copies (%s) from %d node(s)%n", count(copies),
          Bytes.format(bytes), shares.size() - failures.size());
    }
    if (!kept.isEmpty()) {
      System.out.println("pinned, kept (evict them with --force): " + String.join(", ", kept));
    }
    failures.forEach(failure -> System.err.println("istziio evict: " + failure));
    return failures.isEmpty() ? 0 : 1;
  }

  private static EvictResult call(IstziioClient client, String location, EvictRequest request) {
    EvictResult[] result = {null};
    client.action(location, Actions.EVICT, request.toJsonBytes(), Duration.ofMinutes(1),
        body -> result[0] = EvictResult.fromJson(body));
    return result[0];
  }

  static String count(long value) {
    return String.format(Locale.ROOT, "%,d", value);
  }
}
