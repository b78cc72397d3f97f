package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.cli.IstziioCli;
import io.istziio.client.data.SampleData;
import io.istziio.ring.testing.RedisProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** `istziio replay` as a user runs it, against three nodes on real Redis and S3. */
class ReplayTest extends NodeTestBase {

  private static final int FILES = 6;
  private static final int FILE_ROWS = 3_000;
  private RedisProcess redis;
  private Path traceFile;
  private Path manifest;
  private final List<Integer> fileOrder = new ArrayList<>();

  @BeforeEach
  void cluster() throws Exception {
    redis = RedisProcess.start();
    NodeConfig.Ring ring = NodeConfig.Ring.standalone().withRedis(redis.uri(), "replay", Duration.ofSeconds(2));
    Path file = tmp.resolve("f.parquet");
    SampleData.write(file, FILE_ROWS, 1_000);
    s3.put(BUCKET, "replay/warm-up.parquet", file);
    for (String id : List.of("n1", "n2", "n3")) {
      Node node = start(NodeConfig.loopback(tmp.resolve("cache-" + id), 64 << 20)
          .withS3(s3.config()).withId(id).withRing(ring));
      // A node's first S3 request pays for the SDK's start-up; keep that out of the replay's
      // timing, where it could make a second read of a file arrive during the first's download.
      read(connect(node), "s3://data/replay/warm-up.parquet");
    }
    StringBuilder entries = new StringBuilder("[");
    for (int i = 0; i < FILES; i++) {
      s3.put(BUCKET, "replay/f" + i + ".parquet", file);
      entries.append(i == 0 ? "" : ",").append("{\"index\": ").append(i)
          .append(", \"path\": \"s3://data/replay/f").append(i).append(".parquet\"}");
    }
    manifest = Files.writeString(tmp.resolve("manifest.json"), entries + "]");
    StringBuilder trace = new StringBuilder("timestamp,file_index\n");
    for (int i = 0; i < 24; i++) { // every file four times, 150 ms apart: a download is done by then
      trace.append(i * 150).append(',').append(i % FILES).append('\n');
      fileOrder.add(i % FILES);
    }
    traceFile = Files.writeString(tmp.resolve("trace.csv"), trace);
  }

  @AfterEach
  void stopRedis() throws Exception {
    redis.close();
  }

  private record Run(int exit, String out, String err) {}

  private static Run cli(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
      int exit = IstziioCli.run(args);
      return new Run(exit, stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  private static List<Map<String, String>> csv(Path file) throws Exception {
    List<String> lines = Files.readAllLines(file);
    String[] header = lines.get(0).split(",");
    List<Map<String, String>> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] fields = line.split(",", -1);
      Map<String, String> row = new HashMap<>();
      for (int i = 0; i < header.length; i++) {
        row.put(header[i], fields[i]);
      }
      rows.add(row);
    }
    return rows;
  }

  @Test
  void replaysAgainstTheClusterAndTheBaselineAndComparesThem() throws Exception {
    Path out = tmp.resolve("requests.csv");
    // --no-spread: every read at its primary, so each file misses once (spreading would start
    // some repeated reads at a replica, whose first read misses too: LoadSpreadTest covers it).
    Run run = cli("replay", traceFile.toString(), "--manifest", manifest.toString(),
        "--redis", redis.uri(), "--cluster", "replay", "--concurrency", "4", "--compare",
        "--out", out.toString(), "--s3-endpoint", s3.endpoint().toString(), "--s3-path-style",
        "--no-spread");

    assertEquals(0, run.exit(), run.err() + run.out());
    assertTrue(run.out().contains("istziio: 24 requests, 0 failed"), run.out());
    assertTrue(run.out().contains("cache: 18 hits, 6 misses"), run.out());
    assertTrue(run.out().contains("direct: 24 requests, 0 failed"), run.out());
    assertTrue(run.out().contains("(ratio = direct / istziio"), run.out());

    List<Map<String, String>> cache = csv(out);
    assertEquals(24, cache.size());
    Map<String, Boolean> seen = new HashMap<>();
    for (Map<String, String> request : cache) { // in trace order: the first read of a file misses
      boolean first = seen.put(request.get("file_index"), true) == null;
      assertEquals(first ? "miss" : "hit", request.get("cache"), request.toString());
      assertEquals(String.valueOf(first), request.get("cold"));
      assertEquals(String.valueOf(FILE_ROWS), request.get("rows"));
      assertTrue(Double.parseDouble(request.get("total_ms")) >= Double.parseDouble(request.get("first_batch_ms")));
    }
    List<Map<String, String>> direct = csv(tmp.resolve("requests-direct.csv"));
    assertEquals(24, direct.size());
    assertTrue(direct.stream().allMatch(r -> r.get("mode").equals("direct") && r.get("rows").equals(String.valueOf(FILE_ROWS))));
  }

  @Test
  void compareCanRunTheBaselineFirstAndLeaveAWarmUpOut() throws Exception {
    Path out = tmp.resolve("warm.csv");
    Run run = cli("replay", traceFile.toString(), "--manifest", manifest.toString(),
        "--redis", redis.uri(), "--cluster", "replay", "--concurrency", "4", "--compare",
        "--first", "direct", "--warmup", "4", "--out", out.toString(),
        "--s3-endpoint", s3.endpoint().toString(), "--s3-path-style");

    assertEquals(0, run.exit(), run.err() + run.out());
    String text = run.out();
    assertTrue(text.contains("order: direct, then istziio; the first 4 requests of each left out"), text);
    assertTrue(text.contains("istziio: 20 requests, 0 failed"), text);
    assertTrue(text.contains("direct: 20 requests, 0 failed"), text);
    assertTrue(text.contains("after 4 warm-up requests left out"), text);
    assertTrue(text.contains("istziio  start lag p99"), text);
    assertTrue(text.contains("direct   start lag p99"), text);
    List<Map<String, String>> cache = csv(out);
    assertEquals(20, cache.size());
    assertEquals("4", cache.get(0).get("sequence"));
    assertEquals(20, csv(tmp.resolve("warm-direct.csv")).size());

    Run bad = cli("replay", traceFile.toString(), "--manifest", manifest.toString(),
        "--redis", redis.uri(), "--cluster", "replay", "--compare", "--first", "pyarrow");
    assertTrue(bad.err().contains("--first takes istziio or direct"), bad.err());
    Run all = cli("replay", traceFile.toString(), "--manifest", manifest.toString(),
        "--redis", redis.uri(), "--cluster", "replay", "--warmup", "24");
    assertTrue(all.err().contains("leaves none of the trace's 24 requests"), all.err());
  }

  @Test
  void writesJsonToo() throws Exception {
    Path out = tmp.resolve("requests.json");
    Run run = cli("replay", traceFile.toString(), "--manifest", manifest.toString(),
        "--redis", redis.uri(), "--cluster", "replay", "--out", out.toString());
    assertEquals(0, run.exit(), run.err());
    String json = Files.readString(out);
    assertEquals(24, json.split("\"sequence\"").length - 1);
  }

  @Test
  void badInputSaysWhereAndExitsNonZero() throws Exception {
    Path broken = Files.writeString(tmp.resolve("broken.csv"), "timestamp,file_index\n0,1\n10,x\n");
    Run run = cli("replay", broken.toString(), "--manifest", manifest.toString(), "--redis", redis.uri(), "--cluster", "replay");
    assertTrue(run.exit() != 0);
    assertTrue(run.err().contains("broken.csv:3: \"10,x\" is not"), run.err());

    Path unknown = Files.writeString(tmp.resolve("unknown.csv"), "timestamp,file\n0,1\n5,99\n");
    run = cli("replay", unknown.toString(), "--manifest", manifest.toString(), "--redis", redis.uri(), "--cluster", "replay");
    assertTrue(run.exit() != 0);
    assertTrue(run.err().contains("trace line 3 reads file 99"), run.err());

    run = cli("replay", traceFile.toString(), "--manifest", manifest.toString(), "--node", "grpc+tcp://127.0.0.1:1");
    assertTrue(run.exit() != 0);
    assertTrue(run.err().contains("cannot reach the node at grpc+tcp://127.0.0.1:1"), run.err());
  }
}
