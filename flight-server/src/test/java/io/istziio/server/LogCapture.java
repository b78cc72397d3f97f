package io.istziio.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * Captures what the node logs through Logback, from the loggers named (and those below them), at
 * the level given and above, until closed; the loggers' levels are put back then. Events arrive
 * on any thread, so they are kept in a concurrent queue.
 */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

  private final Queue<ILoggingEvent> events = new ConcurrentLinkedQueue<>();
  private final List<Logger> loggers = new ArrayList<>();
  private final List<Level> levels = new ArrayList<>();

  private LogCapture() {}

  /** Captures {@code names} ({@code Logger.ROOT_LOGGER_NAME} for every logger) at {@code level}. */
  static LogCapture of(Level level, String... names) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    LogCapture capture = new LogCapture();
    capture.setContext(context);
    capture.start();
    for (String name : names) {
      Logger logger = context.getLogger(name);
      capture.loggers.add(logger);
      capture.levels.add(logger.getLevel());
      logger.setLevel(level);
      logger.addAppender(capture);
    }
    return capture;
  }

  @Override
  protected void append(ILoggingEvent event) {
    event.prepareForDeferredProcessing();
    events.add(event);
  }

  List<ILoggingEvent> events() {
    return List.copyOf(events);
  }

  List<ILoggingEvent> events(Predicate<ILoggingEvent> which) {
    return events.stream().filter(which).toList();
  }

  /** The formatted messages of {@code logger}'s events, in order. */
  List<String> messages(String logger) {
    return events.stream().filter(e -> e.getLoggerName().equals(logger))
        .map(ILoggingEvent::getFormattedMessage).toList();
  }

  /** An event as a log file would hold it: logger, message and any stack trace. */
  static String text(ILoggingEvent event) {
    String text = event.getLevel() + " " + event.getLoggerName() + " " + event.getFormattedMessage();
    return event.getThrowableProxy() == null ? text
        : text + "\n" + ThrowableProxyUtil.asString(event.getThrowableProxy());
  }

  private static final Pattern PAIR = Pattern.compile("([A-Za-z_]+)=(\"(?:[^\"\\\\]|\\\\.)*\"|\\S*)");

  /** A key=value line (as RequestLog and StoreFailures write them) as a map, quotes undone. */
  static Map<String, String> pairs(String line) {
    Map<String, String> pairs = new LinkedHashMap<>();
    Matcher matcher = PAIR.matcher(line);
    while (matcher.find()) {
      String value = matcher.group(2);
      if (value.startsWith("\"")) {
        value = value.substring(1, value.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
      }
      pairs.put(matcher.group(1), value);
    }
    return pairs;
  }

  @Override
  public void close() {
    for (int i = 0; i < loggers.size(); i++) {
      loggers.get(i).detachAppender(this);
      loggers.get(i).setLevel(levels.get(i));
    }
    stop();
  }
}
