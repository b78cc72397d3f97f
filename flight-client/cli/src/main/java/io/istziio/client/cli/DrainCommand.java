package io.istziio.client.cli;

import io.istziio.client.IstziioClient;
import io.istziio.client.protocol.Actions;
import io.istziio.client.protocol.DrainResult;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Stops one node cleanly. */
@Command(name = "drain", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Stops the node at --node cleanly (the drain action): it answers, leaves the "
        + "ring, keeps serving for its --drain period so that clients see it go, then takes no "
        + "new call, finishes the streams it is sending and exits. Its disk cache and pins stay "
        + "for its next start.")
final class DrainCommand implements Callable<Integer> {

  @Option(names = "--node", paramLabel = "LOCATION", required = true,
      description = "The node, e.g. grpc+tcp://127.0.0.1:8815.")
  String node;

  @Mixin SecurityOptions secure;

  @Override
  public Integer call() throws Exception {
    DrainResult[] result = {null};
    try (IstziioClient client = IstziioClient.connect(secure.security(), 0, node)) {
      NodeCalls.at(node, () -> {
        client.action(node, Actions.DRAIN, new byte[0], Duration.ofSeconds(30),
            body -> result[0] = DrainResult.fromJson(body));
        return result[0];
      });
    }
    DrainResult drained = result[0];
    System.out.println(drained.already()
        ? "node " + drained.node() + " is draining already"
        : "node " + drained.node() + " is draining: it leaves the ring, serves " + drained.drainMillis()
            + " ms more, then finishes its streams and stops");
    return 0;
  }
}
