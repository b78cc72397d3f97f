package io.istziio.client.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code istziio}: the command-line client. */
@Command(name = "istziio", mixinStandardHelpOptions = true, version = "istziio 0.1.0",
    description = "Reads Parquet objects through an istziio cluster, and runs its admin actions.",
    subcommands = {GetCommand.class, InfoCommand.class, LsCommand.class, SchemaCommand.class, StatsCommand.class,
        RingCommand.class, WarmCommand.class, PinCommand.class, UnpinCommand.class,
        EvictCommand.class, ResizeCommand.class, DrainCommand.class, ReplayCommand.class,
        GenDataCommand.class, GenTraceCommand.class, CommandLine.HelpCommand.class})
public final class IstziioCli {

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit code. */
  public static int run(String... args) {
    CommandLine commandLine = new CommandLine(new IstziioCli());
    commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("istziio " + cmd.getCommandName() + ": " + Messages.of(e));
      return 1;
    });
    return commandLine.execute(args);
  }
}
