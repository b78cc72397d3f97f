package io.istziio.client.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** PLACEHOLDER: being written; must not ship as is. */
@Command(name = "stats", mixinStandardHelpOptions = true, description = "(not written yet)")
final class StatsCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UnsupportedOperationException("stats is not written yet");
  }
}
