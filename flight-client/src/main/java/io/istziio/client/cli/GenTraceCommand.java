package io.istziio.client.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** PLACEHOLDER: being written; must not ship as is. */
@Command(name = "gen-trace", mixinStandardHelpOptions = true, description = "(not written yet)")
final class GenTraceCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UnsupportedOperationException("gen-trace is not written yet");
  }
}
