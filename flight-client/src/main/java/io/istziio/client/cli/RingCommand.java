package io.istziio.client.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** PLACEHOLDER: being written; must not ship as is. */
@Command(name = "ring", mixinStandardHelpOptions = true, description = "(not written yet)")
final class RingCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UnsupportedOperationException("ring is not written yet");
  }
}
