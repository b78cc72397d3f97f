package io.istziio.server;

/**
 * Log lines of key=value pairs (logfmt), which grep and parse: a value with a space, a quote, an
 * equals sign or a backslash is quoted, and control characters (line breaks among them) are
 * escaped, so that one event stays one line whatever a request put into it. Null is written
 * {@code -}.
 */
public final class Logfmt {

  private final StringBuilder line = new StringBuilder(160);

  /** Appends {@code key=value}. */
  public Logfmt add(String key, String value) {
    if (!line.isEmpty()) {
      line.append(' ');
    }
    line.append(key).append('=');
    if (value == null) {
      line.append('-');
    } else if (!needsQuotes(value)) {
      line.append(value);
    } else {
      quote(value);
    }
    return this;
  }

  public Logfmt add(String key, long value) {
    return add(key, Long.toString(value));
  }

  /** Appends {@code key=value} with {@code nanos} as milliseconds with two decimals. */
  public Logfmt millis(String key, long nanos) {
    long hundredths = nanos / 10_000;
    long fraction = hundredths % 100;
    return add(key, (hundredths / 100) + (fraction < 10 ? ".0" : ".") + fraction);
  }

  @Override
  public String toString() {
    return line.toString();
  }

  private void quote(String value) {
    line.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> line.append("\\\"");
        case '\\' -> line.append("\\\\");
        case '\n' -> line.append("\\n");
        case '\r' -> line.append("\\r");
        case '\t' -> line.append("\\t");
        default -> {
          if (breaksLine(c)) {
            line.append(String.format("\\u%04x", (int) c));
          } else {
            line.append(c);
          }
        }
      }
    }
    line.append('"');
  }

  private static boolean needsQuotes(String value) {
    if (value.isEmpty()) {
      return true;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == ' ' || c == '"' || c == '=' || c == '\\' || breaksLine(c)) {
        return true;
      }
    }
    return false;
  }

  /** Control characters and Unicode's line and paragraph separators. */
  private static boolean breaksLine(char c) {
    return Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
  }
}
