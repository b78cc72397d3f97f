package io.istziio.client.cli;

import io.istziio.client.IstziioClient;
import io.istziio.client.protocol.Actions;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** Removes pins. */
@Command(name = "unpin", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Unpins PATH (the unpin action): its copies stay cached but may be evicted "
        + "again. An object goes to each of its owners in the ring; a prefix ending in / or a "
        + "glob to every member, which unpins the pinned paths that match; with --node, to "
        + "exactly those nodes. Exit 1 if a node failed.")
final class UnpinCommand implements Callable<Integer> {

  @Parameters(paramLabel = "PATH", arity = "1..*",
      description = "s3://bucket/key.parquet, a prefix such as s3://bucket/table/, or a glob.")
  List<String> paths;

  @Mixin ClusterOptions cluster;

  @Override
  public Integer call() throws Exception {
    try (IstziioClient client = cluster.connect()) {
      return PinCalls.run(Actions.UNPIN, client, paths, cluster.explicitNodes());
    }
  }
}
