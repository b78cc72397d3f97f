package io.istziio.server;

import ch.qos.logback.core.OutputStreamAppender;
import java.io.PrintStream;

/**
 * The tests' console: the standard output the test JVM had when logging started, kept, so that a
 * test that captures System.out (CliTest runs the CLI in-process) does not capture the nodes' log
 * lines too. Logback's ConsoleAppender writes to whatever System.out is at each event. Stopping it
 * (a test that reloads the configuration) flushes the stream but never closes it.
 */
public final class TestConsoleAppender<E> extends OutputStreamAppender<E> {

  private static final PrintStream STARTUP_OUT = System.out;

  @Override
  public void start() {
    setOutputStream(STARTUP_OUT);
    super.start();
  }

  @Override
  protected void closeOutputStream() {
    STARTUP_OUT.flush();
  }
}
