package io.istziio.client.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** PLACEHOLDER: being written; must not ship as is. */
@Command(name = "replay", mixinStandardHelpOptions = true, description = "(not written yet)")
final class ReplayCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UnsupportedOperationException("replay is not written yet");
  }
}
