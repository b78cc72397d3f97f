package io.istziio.server;

import ch.qos.logback.core.OutputStreamAppender;
import java.io.PrintStream;

/**
 * The tests' console: the standard error the test JVM had when logging started (the node logs to
 * standard error), kept, so that a test that captures System.err (CliTest runs the CLI in-process)
 * does not capture the nodes' log lines too. Logback's ConsoleAppender writes to whatever
 * System.err is at each event. Stopping it (a test that reloads the configuration) flushes the
 * stream but never closes it.
 */
public final class TestConsoleAppender<E> extends OutputStreamAppender<E> {

  private static final PrintStream STARTUP_ERR = System.err;

  @Override
  public void start() {
    setOutputStream(STARTUP_ERR);
    super.start();
  }

  @Override
  protected void closeOutputStream() {
    STARTUP_ERR.flush();
  }
}
