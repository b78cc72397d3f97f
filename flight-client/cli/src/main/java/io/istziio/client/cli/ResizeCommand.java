package io.istziio.client.cli;

import io.istziio.client.IstziioClient;
import io.istziio.client.protocol.Actions;
import io.istziio.client.protocol.ResizeRequest;
import io.istziio.client.protocol.ResizeResult;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Changes one node's bounds at run time. */
@Command(name = "resize", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Changes the disk and memory bounds of the node at --node while it runs (the "
        + "resize action); it evicts down to them before answering (pinned copies stay, so the "
        + "disk bound cannot go below the pinned bytes). Prints each tier's bound before and "
        + "after and what it holds now. A restart takes --cache-size and --memory-size again.")
final class ResizeCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--node", paramLabel = "LOCATION", required = true,
      description = "The node, e.g. grpc+tcp://127.0.0.1:8815.")
  String node;

  @Mixin SecurityOptions secure;

  @Option(names = "--disk", paramLabel = "SIZE", converter = SizeConverter.class,
      description = "The disk tier's new bound: bytes or KiB/MiB/GiB/TiB, KB/MB/GB/TB, as "
          + "--cache-size.")
  Long disk;

  @Option(names = "--memory", paramLabel = "SIZE", converter = SizeConverter.class,
      description = "The memory tier's new bound, same suffixes; 0 turns the tier off.")
  Long memory;

  @Override
  public Integer call() throws Exception {
    if (disk == null && memory == null) {
      throw new ParameterException(spec.commandLine(), "give --disk SIZE, --memory SIZE or both");
    }
    ResizeResult[] result = {null};
    try (IstziioClient client = IstziioClient.connect(secure.security(), 0, node)) {
      NodeCalls.at(node, () -> {
        client.action(node, Actions.RESIZE, new ResizeRequest(disk, memory).toJsonBytes(),
            Duration.ofMinutes(1), body -> result[0] = ResizeResult.fromJson(body));
        return result[0];
      });
    }
    ResizeResult resized = result[0];
    System.out.println("node " + resized.node());
    print("disk", resized.disk(), true);
    print("memory", resized.memory(), false);
    return 0;
  }

  private static void print(String name, ResizeResult.Tier tier, boolean pins) {
    System.out.println(name + ": " + Bytes.format(tier.oldBytes()) + " -> "
        + Bytes.format(tier.newBytes()) + ", " + Bytes.format(tier.usedBytes()) + " used"
        + (pins ? ", " + Bytes.format(tier.pinnedBytes()) + " pinned" : ""));
  }
}
