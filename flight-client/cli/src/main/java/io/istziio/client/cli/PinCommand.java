package io.istziio.client.cli;

import io.istziio.client.IstziioClient;
import io.istziio.client.protocol.Actions;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** Pins objects on their owners. */
@Command(name = "pin", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Pins PATH on its owners (the pin action): each node downloads what it does not "
        + "hold yet and never evicts it to make room; the pinned bytes still count against its "
        + "disk bound, and pins survive a restart. An object goes to each of its owners in the "
        + "ring; a prefix ending in / or a glob is listed (GetFlightInfo) and each file goes to "
        + "its owners; with --node, everything goes to exactly those nodes. A path that cannot be "
        + "copied (missing, or larger than what pins leave of the bound) fails its node's call "
        + "and stays unpinned. Exit 1 if a node failed.")
final class PinCommand implements Callable<Integer> {

  @Parameters(paramLabel = "PATH", arity = "1..*",
      description = "s3://bucket/key.parquet, a prefix such as s3://bucket/table/, or a glob.")
  List<String> paths;

  @Mixin ClusterOptions cluster;

  @Override
  public Integer call() throws Exception {
    try (IstziioClient client = cluster.connect()) {
      return PinCalls.run(Actions.PIN, client, paths, cluster.explicitNodes());
    }
  }
}
