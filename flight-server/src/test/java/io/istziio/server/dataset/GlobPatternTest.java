package io.istziio.server.dataset;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GlobPatternTest {

  @Test
  void starsMatchWithinASegmentAndDoubleStarsAnyDepth() {
    assertTrue(new GlobPattern("*.parquet").matches("a.parquet"));
    assertFalse(new GlobPattern("*.parquet").matches("x/a.parquet"));
    assertTrue(new GlobPattern("*/city=x/*.parquet").matches("year=1/city=x/p.parquet"));
    assertTrue(new GlobPattern("**/part-0.parquet").matches("part-0.parquet"));
    assertTrue(new GlobPattern("**/part-0.parquet").matches("a/b/c/part-0.parquet"));
    assertTrue(new GlobPattern("**").matches("a/b.parquet"));
    assertTrue(new GlobPattern("a*b*c").matches("aXbYc"));
    assertTrue(new GlobPattern("a*b*c").matches("abc"));
    assertFalse(new GlobPattern("a*b*c").matches("acb"));
    assertTrue(new GlobPattern("**/**/x").matches("x"));
    assertTrue(new GlobPattern("**/**/x").matches("a/b/x"));
    assertTrue(new GlobPattern("a.(b)+[c]").matches("a.(b)+[c]"), "regex characters are literal");
    assertFalse(new GlobPattern("a.b").matches("aXb"));
  }

  @Test
  void ignoredSegmentsStayIgnored() {
    assertFalse(new GlobPattern("**/*.parquet").matches("_tmp/a.parquet"));
    assertFalse(new GlobPattern("*").matches(".hidden"));
    assertTrue(new GlobPattern(".*").matches(".hidden"));
    assertTrue(new GlobPattern("_tmp/*.parquet").matches("_tmp/a.parquet"));
    assertFalse(new GlobPattern("**/x.parquet").matches("a/.b/x.parquet"));
  }

  /** A glob is request input: matching it against a listed key must not backtrack for ever. */
  @Test
  void aPathologicalGlobMatchesInLinearTime() {
    String stars = "*a".repeat(40) + "*b";
    String key = "a".repeat(200);
    String deep = "**/".repeat(60) + "nothing";
    String path = "d/".repeat(200) + "x.parquet";
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
      assertFalse(new GlobPattern(stars).matches(key));
      assertFalse(new GlobPattern(deep).matches(path));
      assertTrue(new GlobPattern("*" + "*".repeat(5000) + "a").matches("b".repeat(1000) + "a"));
      assertFalse(new GlobPattern("x/".repeat(100_000) + "y").matches("x/y"));
    });
  }
}
