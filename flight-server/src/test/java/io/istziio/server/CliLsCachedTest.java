package io.istziio.server;

import static io.istziio.server.CliTest.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code istziio ls --cached}: what a node caches, through ListFlights, by prefix. */
class CliLsCachedTest extends NodeTestBase {

  @Test
  void listsTheObjectsANodeCachesUnderAPrefix() throws Exception {
    String a = putSample("lsc/a.parquet");
    String b = putSample("lsc/b.parquet");
    String other = putSample("elsewhere/c.parquet");
    Node node = start(config(64 << 20));
    String location = node.uri().toString();
    for (String path : List.of(b, a, other)) {
      cli("get", path, "--node", location, "--limit", "0").assertOk();
    }

    CliTest.Run run = cli("ls", "--cached", "--node", location, "s3://data/lsc/").assertOk();

    List<String> lines = run.out().lines().toList();
    assertTrue(lines.get(0).matches("node\\s+tier\\s+bytes\\s+etag\\s+path"), lines.get(0));
    String size = String.format("%,d", sampleSize);
    String etag = s3.etag(BUCKET, "lsc/a.parquet", sample);
    assertTrue(lines.get(2).matches(node.id() + "\\s+disk\\s+" + size + "\\s+"
        + java.util.regex.Pattern.quote(etag) + "\\s+" + a), lines.get(2));
    assertTrue(lines.get(3).endsWith(b), lines.get(3));
    assertEquals(String.format("2 objects, %,d bytes on 1 node(s)", 2 * sampleSize), lines.get(4));
    assertTrue(cli("ls", "--cached", "--node", location).assertOk().out()
        .contains("3 objects"), "no prefix: everything");
  }

  @Test
  void lsWithoutADatasetOrCachedSaysWhatToGive() throws Exception {
    Node node = start(config(64 << 20));

    CliTest.Run run = cli("ls", "--node", node.uri().toString()).assertFails();

    assertTrue(run.err().contains("give the dataset to list"), run.err());
  }

  @Test
  void lsCachedRefusesAGlobNamingThePrefixToGive() throws Exception {
    Node node = start(config(64 << 20));

    CliTest.Run run = cli("ls", "--cached", "--node", node.uri().toString(),
        "s3://data/trips/year=2024/*/*.parquet").assertFails();

    assertTrue(run.err().contains("not by glob; give the part before the first *, e.g. "
        + "s3://data/trips/year=2024/"), run.err());
  }
}
