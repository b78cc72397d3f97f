package io.istziio.server.dataset;

import java.util.ArrayList;
import java.util.List;

/**
 * The part of a glob after its listing prefix, matched against a key's rest segment by segment:
 * {@code *} matches within one segment, {@code **} (a whole segment) any number of segments,
 * zero included. A segment that a wildcard matched is ignored when it starts with {@code _} or
 * {@code .} (pyarrow.dataset's ignore_prefixes), unless the pattern's segment itself starts so.
 *
 * <p>A glob is request input and is matched against every listed key, so matching never
 * backtracks exponentially: a segment is matched by the greedy wildcard algorithm (at most
 * pattern × segment steps, no regular expression), and {@code **} by a table over (pattern
 * segment, key segment) pairs, each decided once.
 */
final class GlobPattern {

  private static final String ANY_DEPTH = "**";

  private final List<String> segments;
  /** The segments other than {@code **}: each takes one segment of a matching key. */
  private final int fixed;

  GlobPattern(String pattern) {
    List<String> kept = new ArrayList<>();
    for (String segment : pattern.split("/", -1)) {
      // "**/**" matches what "**" does; collapsing them keeps the table small.
      if (!(segment.equals(ANY_DEPTH) && !kept.isEmpty() && kept.get(kept.size() - 1).equals(ANY_DEPTH))) {
        kept.add(segment);
      }
    }
    this.segments = List.copyOf(kept);
    this.fixed = (int) kept.stream().filter(s -> !s.equals(ANY_DEPTH)).count();
  }

  /** Whether {@code rest} (a key without the listing prefix) matches. */
  boolean matches(String rest) {
    String[] path = rest.split("/", -1);
    if (fixed > path.length) {
      return false; // also bounds the table below by the key's depth
    }
    // decided[p][i]: 0 unknown, 1 matches, 2 does not: pattern segments p.. against path i..
    byte[][] decided = new byte[segments.size() + 1][path.length + 1];
    return match(0, path, 0, decided);
  }

  private boolean match(int p, String[] path, int i, byte[][] decided) {
    if (decided[p][i] != 0) {
      return decided[p][i] == 1;
    }
    boolean result = matchUndecided(p, path, i, decided);
    decided[p][i] = (byte) (result ? 1 : 2);
    return result;
  }

  private boolean matchUndecided(int p, String[] path, int i, byte[][] decided) {
    if (p == segments.size()) {
      return i == path.length;
    }
    String segment = segments.get(p);
    if (segment.equals(ANY_DEPTH)) {
      // Zero segments, or one more that is not ignored.
      for (int j = i; j <= path.length; j++) {
        if (match(p + 1, path, j, decided)) {
          return true;
        }
        if (j == path.length || ignored(path[j])) {
          return false;
        }
      }
      return false;
    }
    if (i == path.length || !wildcardMatches(segment, path[i])) {
      return false;
    }
    if (segment.indexOf('*') >= 0 && ignored(path[i]) && !ignored(segment)) {
      return false;
    }
    return match(p + 1, path, i + 1, decided);
  }

  /**
   * Whether {@code text} matches {@code pattern}, where {@code *} matches any run of characters
   * (the text is one segment: it holds no {@code /}). Greedy with one backtrack point, the last
   * {@code *}: O(pattern × text) at worst.
   */
  static boolean wildcardMatches(String pattern, String text) {
    int p = 0;
    int t = 0;
    int star = -1; // the pattern index after the last * seen
    int resume = 0; // the text index that * is to swallow one more character of
    while (t < text.length()) {
      if (p < pattern.length() && pattern.charAt(p) == '*') {
        star = ++p;
        resume = t;
      } else if (p < pattern.length() && pattern.charAt(p) == text.charAt(t)) {
        p++;
        t++;
      } else if (star >= 0) {
        p = star;
        t = ++resume;
      } else {
        return false;
      }
    }
    while (p < pattern.length() && pattern.charAt(p) == '*') {
      p++;
    }
    return p == pattern.length();
  }

  /** pyarrow.dataset's default ignore_prefixes. */
  static boolean ignored(String segment) {
    return segment.startsWith("_") || segment.startsWith(".");
  }
}
