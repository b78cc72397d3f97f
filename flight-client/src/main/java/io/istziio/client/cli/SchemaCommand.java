package io.istziio.client.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** PLACEHOLDER: being written; must not ship as is. */
@Command(name = "schema", mixinStandardHelpOptions = true, description = "(not written yet)")
final class SchemaCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UnsupportedOperationException("schema is not written yet");
  }
}
