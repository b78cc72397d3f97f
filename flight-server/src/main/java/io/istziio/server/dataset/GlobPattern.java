package io.istziio.server.dataset;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The part of a glob after its listing prefix, matched against a key's rest segment by segment:
 * {@code *} matches within one segment, {@code **} (a whole segment) any number of segments,
 * zero included. A segment that a wildcard matched is ignored when it starts with {@code _} or
 * {@code .} (pyarrow.dataset's ignore_prefixes), unless the pattern's segment itself starts so.
 */
final class GlobPattern {

  private static final String ANY_DEPTH = "**";

  private final List<String> segments;
  private final List<Pattern> patterns;

  GlobPattern(String pattern) {
    this.segments = List.of(pattern.split("/", -1));
    this.patterns = new ArrayList<>();
    for (String segment : segments) {
      StringBuilder regex = new StringBuilder();
      int start = 0;
      for (int star = segment.indexOf('*'); star >= 0; star = segment.indexOf('*', start)) {
        regex.append(Pattern.quote(segment.substring(start, star))).append("[^/]*");
        start = star + 1;
      }
      regex.append(Pattern.quote(segment.substring(start)));
      patterns.add(Pattern.compile(regex.toString(), Pattern.DOTALL));
    }
  }

  /** Whether {@code rest} (a key without the listing prefix) matches. */
  boolean matches(String rest) {
    return match(0, rest.split("/", -1), 0);
  }

  private boolean match(int p, String[] path, int i) {
    if (p == segments.size()) {
      return i == path.length;
    }
    String segment = segments.get(p);
    if (segment.equals(ANY_DEPTH)) {
      // Zero segments, or one more directory (never the file name itself) that is not ignored.
      for (int j = i; j <= path.length; j++) {
        if (match(p + 1, path, j)) {
          return true;
        }
        if (j == path.length || ignored(path[j])) {
          return false;
        }
      }
      return false;
    }
    if (i == path.length || !patterns.get(p).matcher(path[i]).matches()) {
      return false;
    }
    if (segment.indexOf('*') >= 0 && ignored(path[i]) && !ignored(segment)) {
      return false;
    }
    return match(p + 1, path, i + 1);
  }

  /** pyarrow.dataset's default ignore_prefixes. */
  static boolean ignored(String segment) {
    return segment.startsWith("_") || segment.startsWith(".");
  }
}
