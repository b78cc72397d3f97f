package io.istziio.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.istziio.client.cli.IstziioCli;
import io.istziio.client.data.IstziioData;
import io.istziio.client.data.SampleData;
import io.istziio.client.protocol.NodeStats;
import io.istziio.client.protocol.RingState;
import io.istziio.ring.Member;
import io.istziio.ring.RingView;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.dataset.file.FileSystemDatasetFactory;
import org.apache.arrow.dataset.jni.NativeMemoryPool;
import org.apache.arrow.dataset.scanner.ScanOptions;
import org.apache.arrow.dataset.scanner.Scanner;
import org.apache.arrow.dataset.source.Dataset;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.Text;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** The istziio CLI, run in-process against real nodes, a real S3 server and real files. */
class CliTest extends NodeTestBase {

  private static final List<String> ALL =
      SampleData.SCHEMA.getFields().stream().map(Field::getName).toList();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What one command printed and returned. */
  record Run(int code, String out, String err) {
    Run assertOk() {
      assertEquals(0, code, () -> "exit code; stdout:\n" + out + "\nstderr:\n" + err);
      return this;
    }

    Run assertFails() {
      assertNotEquals(0, code, () -> "exit code; stdout:\n" + out + "\nstderr:\n" + err);
      return this;
    }
  }

  /** Runs the CLI with System.out and System.err captured. */
  static synchronized Run cli(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(outBytes, true, UTF_8));
      System.setErr(new PrintStream(errBytes, true, UTF_8));
      int code = IstziioCli.run(args);
      return new Run(code, outBytes.toString(UTF_8), errBytes.toString(UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  // ---- get ----

  @Test
  void getPrintsTheFirstRowsAndWhatTheNodeSaid() throws Exception {
    String path = putSample("cli/get.parquet");
    Node node = start(config(64 << 20));
    String location = node.uri().toString();

    Run miss = cli("get", path, "--node", location, "--limit", "3").assertOk();
    Run hit = cli("get", path, "--node", location, "--limit", "3", "--columns", "name,id")
        .assertOk();

    List<String> lines = miss.out().lines().toList();
    assertTrue(lines.get(0).matches(
        "id\\s+small\\s+score\\s+name\\s+flag\\s+day\\s+ts\\s+unit price"), lines.get(0));
    assertTrue(lines.get(2).matches("0\\s+-500\\s+0\\.0\\s+name-0\\s+true\\s+1970-01-01\\s+"
        + "2024-01-01T00:00:00Z\\s+0\\.00"), lines.get(2));
    assertTrue(lines.get(3).matches("1\\s+-499\\s+0\\.25\\s+null\\s+false\\s+1970-01-02\\s+"
        + "2024-01-01T00:00:37Z\\s+79\\.19"), lines.get(3));
    assertEquals(6, lines.size(), miss.out()); // header, rule, 3 rows, summary
    assertTrue(lines.get(5).startsWith("50,000 rows in "), lines.get(5));
    assertTrue(lines.get(5).contains("from " + node.id()), lines.get(5));
    assertTrue(lines.get(5).contains("cache miss"), lines.get(5));
    assertTrue(hit.out().lines().findFirst().orElseThrow().matches("name\\s+id"), hit.out());
    assertTrue(hit.out().contains("cache hit"), hit.out());
  }

  @Test
  void getGoesToTheOwnerWhicheverNodeItIsGiven() throws Exception {
    List<Node> nodes = twoNodes();
    String path = putSample("cli/routed.parquet");
    Member owner = view(nodes).owners(path, 1).get(0);
    Node other = nodes.stream().filter(n -> !n.id().equals(owner.id())).findFirst().orElseThrow();

    Run run = cli("get", path, "--node", other.uri().toString(), "--limit", "0").assertOk();

    assertTrue(run.out().startsWith("50,000 rows in "), run.out());
    assertTrue(run.out().contains("from " + owner.id()), run.out());
  }

  @Test
  void getWritesEveryRowToArrowFileArrowStreamAndParquet() throws Exception {
    String path = putSample("cli/out.parquet");
    String location = start(config(64 << 20)).uri().toString();
    Path arrow = tmp.resolve("rows.arrow");
    Path arrows = tmp.resolve("rows.arrows");
    Path parquet = tmp.resolve("rows.parquet");

    for (Path out : List.of(arrow, arrows, parquet)) {
      Run run = cli("get", path, "--node", location, "--limit", "1", "--out", out.toString())
          .assertOk();
      assertTrue(run.out().contains("wrote 50,000 rows to " + out), run.out());
    }

    assertSampleRows(readArrowFile(arrow), ALL);
    assertSampleRows(readArrowStream(arrows), ALL);
    assertSampleRows(readParquet(parquet), ALL);
    try (var files = Files.list(tmp)) { // no staging directory left behind
      assertEquals(List.of("cache", "rows.arrow", "rows.arrows", "rows.parquet"),
          files.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  void getWritesProjectedFilteredRowsAsCsv() throws Exception {
    String path = putSample("cli/csv.parquet");
    String location = start(config(64 << 20)).uri().toString();
    Path csv = tmp.resolve("rows.csv");

    cli("get", path, "--node", location, "--columns", "id,name,day,ts,unit price,score",
        "--filter", "id < 100", "--out", csv.toString()).assertOk();

    List<String> lines = Arrays.asList(Files.readString(csv, UTF_8).split("\r\n", -1));
    assertEquals("id,name,day,ts,unit price,score", lines.get(0));
    assertEquals(102, lines.size(), "header, 100 rows, and the empty string after the last CRLF");
    assertEquals("", lines.get(101));
    for (int row = 0; row < 100; row++) {
      String name = SampleData.name(row);
      BigDecimal price = SampleData.unitPrice(row);
      String expected = String.join(",", Long.toString(SampleData.id(row)),
          name == null ? "" : name, LocalDate.ofEpochDay(SampleData.day(row)).toString(),
          Instant.EPOCH.plusNanos(SampleData.ts(row) * 1000).toString(),
          price == null ? "" : price.toPlainString(), Double.toString(SampleData.score(row)));
      assertEquals(expected, lines.get(row + 1), "row " + row);
    }
  }

  @Test
  void getWithNoMatchingRowsStillWritesTheColumns() throws Exception {
    String path = putSample("cli/empty.parquet");
    String location = start(config(64 << 20)).uri().toString();
    Path csv = tmp.resolve("none.csv");
    Path arrow = tmp.resolve("none.arrow");
    Path parquet = tmp.resolve("none.parquet");

    Run run = cli("get", path, "--node", location, "--columns", "id,name", "--filter", "id < 0",
        "--out", csv.toString()).assertOk();
    for (Path out : List.of(arrow, parquet)) {
      cli("get", path, "--node", location, "--filter", "id < 0", "--out", out.toString())
          .assertOk();
    }

    assertTrue(run.out().startsWith("id  name"), run.out());
    assertTrue(run.out().contains("0 rows in "), run.out());
    assertEquals("id,name\r\n", Files.readString(csv));
    assertEquals(0, readArrowFile(arrow).size());
    assertEquals(0, readParquet(parquet).size());
    assertEquals(SampleData.SCHEMA.getFields().stream().map(Field::getType).toList(),
        parquetSchema(parquet).getFields().stream().map(Field::getType).toList());
  }

  @Test
  void getRefusesAnUnknownExtensionABadFilterAndAnUnreachableNode() throws Exception {
    String path = putSample("cli/bad.parquet");
    String location = start(config(64 << 20)).uri().toString();
    String nowhere = "grpc+tcp://127.0.0.1:" + freeLoopbackPort();

    Run extension = cli("get", path, "--node", location, "--out", tmp.resolve("x.txt").toString());
    Run filter = cli("get", path, "--node", location, "--filter", "nosuch > 1");
    Run unreachable = cli("get", path, "--node", nowhere);
    Run limit = cli("get", path, "--node", location, "--limit", "-1");

    assertTrue(extension.assertFails().err().contains(".arrow"), extension.err());
    assertFalse(Files.exists(tmp.resolve("x.txt")));
    assertTrue(filter.assertFails().err().contains("istziio get: INVALID_ARGUMENT"), filter.err());
    assertTrue(filter.err().contains("nosuch"), filter.err());
    assertTrue(unreachable.assertFails().err().contains(nowhere.substring("grpc+tcp://".length())),
        unreachable.err());
    assertTrue(limit.assertFails().err().contains("--limit"), limit.err());
  }

  // ---- info, schema, stats, ring ----

  @Test
  void infoPrintsSchemaSizesAndTheOwnersInOrder() throws Exception {
    List<Node> nodes = twoNodes();
    String path = putSample("cli/info.parquet");
    List<Member> owners = view(nodes).owners(path, 2);

    Run run = cli("info", path, "--node", nodes.get(0).uri().toString()).assertOk();
    Run projected = cli("info", path, "--node", nodes.get(1).uri().toString(),
        "--columns", "score,name", "--filter", "score > 1").assertOk();

    assertTrue(run.out().contains("records: 50,000\n"), run.out());
    assertTrue(run.out().matches("(?s).*\nbytes: [0-9,]+\n.*"), run.out());
    assertTrue(run.out().contains("\n  id: int64 not null\n"), run.out());
    assertTrue(run.out().contains("\n  \"unit price\": decimal128(12, 2)\n"), run.out());
    assertTrue(run.out().contains("\n  ts: timestamp[us, tz=UTC] not null\n"), run.out());
    assertTrue(run.out().contains("endpoints:\n  1. " + owners.get(0).location() + " (owner)\n"
        + "  2. " + owners.get(1).location() + " (replica)\n"), run.out());
    assertTrue(projected.out().contains("records: unknown"), projected.out());
    assertTrue(projected.out().contains("schema:\n  score: float64 not null\n  name: string\n"),
        projected.out());
  }

  @Test
  void schemaPrintsOneColumnALine() throws Exception {
    String path = putSample("cli/schema.parquet");
    String location = start(config(64 << 20)).uri().toString();

    Run run = cli("schema", path, "--node", location).assertOk();

    assertEquals(List.of("id: int64 not null", "small: int32", "score: float64 not null",
        "name: string", "flag: bool not null", "day: date32 not null",
        "ts: timestamp[us, tz=UTC] not null", "\"unit price\": decimal128(12, 2)"),
        run.out().lines().toList());
  }

  @Test
  void statsShowsEveryMemberOrOneAndRawJson() throws Exception {
    List<Node> nodes = twoNodes();
    String path = putSample("cli/stats.parquet");
    Member owner = view(nodes).owners(path, 1).get(0);
    String seed = nodes.get(0).uri().toString();
    cli("get", path, "--node", seed, "--limit", "0").assertOk();
    cli("get", path, "--node", seed, "--limit", "0").assertOk();

    Run all = cli("stats", "--node", seed).assertOk();
    Run one = cli("stats", owner.id(), "--node", seed, "--json").assertOk();
    Run array = cli("stats", "--node", seed, "--json").assertOk();
    Run byLocation = cli("stats", nodes.get(1).uri().toString()).assertOk(); // no --node needed

    List<String> lines = all.out().lines().toList();
    assertTrue(lines.get(0).matches("node\\s+location\\s+hit ratio\\s+memory used\\s+memory hits"
        + "\\s+cache used\\s+capacity\\s+entries\\s+pinned\\s+hits\\s+misses\\s+bypasses\\s+downloads"
        + "\\s+evictions\\s+arrow memory\\s+native memory\\s+misrouted"), lines.get(0));
    assertEquals(4, lines.size(), all.out());
    for (Node node : nodes) {
      assertTrue(all.out().matches("(?s).*\n" + node.id() + "\\s+" + quote(node.uri())
          + "\\s+[0-9.]+%\\s+[0-9.]+ [KMG]?i?B of [0-9.]+ [KMG]?i?B\\s+[0-9,]+"
          + "\\s+[0-9.]+ [KM]?i?B\\s+64\\.0 MiB\\s.*"), all.out());
    }
    assertEquals(3, byLocation.out().lines().count(), byLocation.out());
    assertTrue(byLocation.out().contains("\n" + nodes.get(1).id() + " "), byLocation.out());
    NodeStats stats = NodeStats.fromJson(one.out().strip().getBytes(UTF_8));
    assertEquals(owner.id(), stats.node());
    assertEquals(1, stats.hits());
    assertEquals(1, stats.misses());
    JsonNode both = JSON.readTree(array.out());
    assertEquals(2, both.size());
    assertEquals(1, both.findValues("hits").stream().mapToLong(JsonNode::asLong).sum());
    assertEquals(1, both.findValues("misses").stream().mapToLong(JsonNode::asLong).sum());
  }

  @Test
  void ringShowsEpochSourceAndMembers() throws Exception {
    List<Node> nodes = twoNodes();
    String seed = nodes.get(1).uri().toString();

    Run table = cli("ring", "--node", seed).assertOk();
    Run json = cli("ring", "--node", seed, "--json").assertOk();

    List<String> lines = table.out().lines().toList();
    assertTrue(lines.get(0).matches("epoch \\d+, source static, 2 owners per path, as seen by "
        + nodes.get(1).id()), lines.get(0));
    assertTrue(lines.get(1).matches("id\\s+location\\s+weight\\s+share"), lines.get(1));
    for (Node node : nodes) {
      assertTrue(table.out().matches("(?s).*\n" + node.id() + "\\s+" + quote(node.uri())
          + "\\s+1\\s+50\\.0%\n.*"), table.out());
    }
    RingState state = RingState.fromJson(json.out().strip().getBytes(UTF_8));
    assertEquals("static", state.source());
    assertEquals(nodes.stream().map(Node::id).sorted().toList(),
        state.members().stream().map(Member::id).toList());
  }

  @Test
  void anUnreachableNodeIsNamed() throws Exception {
    String nowhere = "127.0.0.1:" + freeLoopbackPort();

    Run stats = cli("stats", "--node", "grpc+tcp://" + nowhere);
    Run ring = cli("ring", "--node", "grpc+tcp://" + nowhere);
    Run info = cli("info", "s3://data/x.parquet", "--node", "grpc+tcp://" + nowhere);
    Run direct = cli("stats", "grpc+tcp://" + nowhere);

    for (Run run : List.of(stats, ring, info, direct)) {
      assertTrue(run.assertFails().err().contains(nowhere), run.err());
    }
    assertTrue(direct.err().contains("cannot reach the node at grpc+tcp://" + nowhere),
        direct.err());
  }

  // ---- gen-data ----

  @Test
  void genDataWritesIstziioShapedFilesAndAManifest() throws Exception {
    Path dir = tmp.resolve("gen");

    Run run = cli("gen-data", "--out", dir.toString(), "--shape", "1MB", "--files", "2",
        "--rows", "300", "--rows-per-group", "128", "--seed", "7").assertOk();

    assertEquals(3, run.out().lines().count(), run.out());
    for (int file = 0; file < 2; file++) {
      Path parquet = dir.resolve(String.format("1mb-%05d.parquet", file));
      assertTrue(run.out().contains(parquet.toUri() + "  300 rows  "), run.out());
      List<Map<String, Object>> rows = readParquet(parquet);
      assertEquals(300, rows.size());
      for (int row = 0; row < rows.size(); row++) {
        assertEquals(IstziioData.COLUMNS, rows.get(row).size());
        for (int c = 0; c < IstziioData.COLUMNS; c++) {
          assertEquals(IstziioData.value(7, file, row, c), rows.get(row).get("c" + c),
              "file " + file + " row " + row + " c" + c);
        }
      }
    }
    assertManifest(JSON.readTree(dir.resolve("_manifest.json").toFile()),
        List.of(dir.resolve("1mb-00000.parquet").toUri().toString(),
            dir.resolve("1mb-00001.parquet").toUri().toString()));
  }

  @Test
  void genDataDefaultsMakeAbout1MbFilesAndTheSampleShape() throws Exception {
    Path wide = tmp.resolve("wide");
    Path sampleDir = tmp.resolve("sample");

    cli("gen-data", "--out", wide.toString(), "--shape", "1MB", "--files", "1").assertOk();
    cli("gen-data", "--out", sampleDir.toString(), "--files", "1", "--rows", "1000",
        "--rows-per-group", "300").assertOk();

    long size = Files.size(wide.resolve("1mb-00000.parquet"));
    assertTrue(size > 900_000 && size < 1_300_000, "1MB shape: " + size + " bytes");
    assertEquals(IstziioData.ROWS_1MB, readParquet(wide.resolve("1mb-00000.parquet")).size());
    List<Map<String, Object>> rows = readParquet(sampleDir.resolve("sample-000.parquet"));
    assertEquals(1000, rows.size());
    assertEquals(SampleData.name(998), rows.get(998).get("name"));
  }

  @Test
  void genDataTinyShapeAndColumns() throws Exception {
    Path tiny = tmp.resolve("tiny");
    Path narrow = tmp.resolve("narrow");

    cli("gen-data", "--out", tiny.toString(), "--shape", "tiny", "--files", "1").assertOk();
    cli("gen-data", "--out", narrow.toString(), "--shape", "1MB", "--files", "1", "--rows", "10",
        "--columns", "3").assertOk();
    Run sample = cli("gen-data", "--out", tmp.resolve("x").toString(), "--columns", "3");
    Run wide = cli("gen-data", "--out", tmp.resolve("x").toString(), "--shape", "1MB",
        "--columns", "21");

    List<Map<String, Object>> rows = readParquet(tiny.resolve("tiny-00000.parquet"));
    assertEquals(64, rows.size());
    assertEquals(List.of("c0", "c1"), List.copyOf(rows.get(0).keySet()));
    assertEquals(IstziioData.value(42, 0, 63, 1), rows.get(63).get("c1"));
    assertTrue(Files.size(tiny.resolve("tiny-00000.parquet")) < 4_000);
    rows = readParquet(narrow.resolve("1mb-00000.parquet"));
    assertEquals(List.of("c0", "c1", "c2"), List.copyOf(rows.get(0).keySet()));
    assertEquals(IstziioData.value(42, 0, 9, 2), rows.get(9).get("c2"));
    assertTrue(sample.assertFails().err().contains("--columns is not for the sample shape"), sample.err());
    assertTrue(wide.assertFails().err().contains("--columns must be 1 to 20, got 21"), wide.err());
  }

  @Test
  void genDataUploadsToS3WithTheManifestThereAndLocally() throws Exception {
    Path manifest = tmp.resolve("m/manifest.json");

    Run run = cli("gen-data", "--out", "s3://data/gen/", "--shape", "1MB", "--files", "2",
        "--rows", "100", "--s3-endpoint", s3.endpoint().toString(), "--s3-path-style",
        "--manifest", manifest.toString()).assertOk();

    assertTrue(run.out().contains("s3://data/gen/1mb-00001.parquet  100 rows  "), run.out());
    List<String> paths = List.of("s3://data/gen/1mb-00000.parquet",
        "s3://data/gen/1mb-00001.parquet");
    assertManifest(JSON.readTree(manifest.toFile()), paths);
    try (S3Client client = S3Client.builder().endpointOverride(s3.endpoint())
        .region(Region.US_EAST_1).forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(S3Server.ACCESS_KEY, S3Server.SECRET_KEY))).build()) {
      byte[] uploaded = client.getObjectAsBytes(b -> b.bucket(BUCKET).key("gen/_manifest.json"))
          .asByteArray();
      assertManifest(JSON.readTree(uploaded), paths);
    }
    // The uploaded files are real Parquet that a node serves.
    String location = start(config(64 << 20)).uri().toString();
    Run get = cli("get", paths.get(1), "--node", location, "--columns", "c19", "--limit", "1")
        .assertOk();
    assertTrue(get.out().contains(Double.toString(IstziioData.value(42, 1, 0, 19))), get.out());
    assertTrue(get.out().contains("100 rows in "), get.out());
    // The prefix is a dataset of the Parquet files alone: the manifest beside them (it was
    // manifest.json, read as a file that is not Parquet) is left out by the listing's rule.
    Run table = cli("get", "s3://data/gen/", "--node", location, "--columns", "c0").assertOk();
    assertTrue(table.out().contains("200 rows from 2 files in "), table.out());
  }

  @Test
  void genDataRefusesBadValues() {
    Run files = cli("gen-data", "--out", tmp.resolve("x").toString(), "--files", "0");
    Run shape = cli("gen-data", "--out", tmp.resolve("x").toString(), "--shape", "2MB");
    Run rows = cli("gen-data", "--out", tmp.resolve("x").toString(), "--rows", "-3");
    Run bucket = cli("gen-data", "--out", "s3:///nobucket");

    assertTrue(files.assertFails().err().startsWith("--files must be at least 1, got 0"),
        files.err());
    assertTrue(shape.assertFails().err().contains("unknown shape \"2MB\""), shape.err());
    assertTrue(rows.assertFails().err().startsWith("--rows must be at least 1"), rows.err());
    assertTrue(bucket.assertFails().err().contains("names no bucket"), bucket.err());
  }

  // ---- gen-trace ----

  @Test
  void genTrace1MbWorkloadIsSortedZipfSkewedAndDeterministic() throws Exception {
    Path trace = tmp.resolve("1mb.csv");
    Path again = tmp.resolve("1mb-again.csv");

    cli("gen-trace", "--out", trace.toString(), "--workload", "1MB", "--files", "50",
        "--requests", "3000").assertOk();
    cli("gen-trace", "--out", again.toString(), "--workload", "1MB", "--files", "50",
        "--requests", "3000").assertOk();

    List<long[]> requests = readTrace(trace);
    assertEquals(3000, requests.size());
    assertSorted(requests);
    long[] counts = new long[50];
    requests.forEach(r -> counts[(int) r[1]]++);
    assertTrue(counts[0] > 3 * counts[49], "file 0: " + counts[0] + ", file 49: " + counts[49]);
    assertTrue(counts[0] > counts[9] && counts[9] > counts[49] / 2, Arrays.toString(counts));
    long distinctGaps = gaps(requests).distinct().count();
    assertTrue(distinctGaps > 5, "poisson gaps vary: " + distinctGaps);
    assertEquals(Files.readString(trace), Files.readString(again));
  }

  @Test
  void genTrace100MbWorkloadHasFewerRequestsOverItsFiles() throws Exception {
    Path trace = tmp.resolve("100mb.csv");

    Run run = cli("gen-trace", "--out", trace.toString(), "--workload", "100MB").assertOk();

    List<long[]> requests = readTrace(trace);
    assertEquals(200, requests.size());
    assertSorted(requests);
    assertTrue(requests.stream().allMatch(r -> r[1] >= 0 && r[1] < 10));
    assertTrue(run.out().contains("200 requests"), run.out());
  }

  @Test
  void genTraceParallelWorkloadComesInBursts() throws Exception {
    Path trace = tmp.resolve("parallel.csv");

    cli("gen-trace", "--out", trace.toString(), "--workload", "parallel", "--requests", "40",
        "--burst", "8", "--gap-ms", "100", "--files", "20").assertOk();

    List<long[]> requests = readTrace(trace);
    assertEquals(40, requests.size());
    Map<Long, Long> perTimestamp = requests.stream()
        .collect(Collectors.groupingBy(r -> r[0], TreeMap::new, Collectors.counting()));
    assertEquals(Map.of(0L, 8L, 100L, 8L, 200L, 8L, 300L, 8L, 400L, 8L), perTimestamp);
    assertTrue(requests.stream().allMatch(r -> r[1] >= 0 && r[1] < 20));
  }

  @Test
  void genTraceSerialWorkloadReadsEachFileTwiceOneSecondApart() throws Exception {
    Path trace = tmp.resolve("serial.csv");

    cli("gen-trace", "--out", trace.toString(), "--workload", "serial", "--files", "3")
        .assertOk();

    assertEquals("timestamp,file_index\n0,0\n1000,0\n2000,1\n3000,1\n4000,2\n5000,2\n",
        Files.readString(trace));
  }

  @Test
  void genTraceUniformWithoutZipfAndBadValuesRefused() throws Exception {
    Path trace = tmp.resolve("uniform.csv");
    cli("gen-trace", "--out", trace.toString(), "--files", "4", "--requests", "4000",
        "--zipf", "0", "--gap-ms", "2").assertOk();
    long[] counts = new long[4];
    List<long[]> requests = readTrace(trace);
    requests.forEach(r -> counts[(int) r[1]]++);
    for (long count : counts) {
      assertTrue(count > 850 && count < 1150, Arrays.toString(counts));
    }
    assertEquals(2 * 3999, requests.get(3999)[0], "fixed gaps of 2 ms");

    String out = tmp.resolve("bad.csv").toString();
    Map<List<String>, String> bad = new LinkedHashMap<>();
    bad.put(List.of("--files", "0"), "--files must be at least 1, got 0");
    bad.put(List.of("--requests", "-5"), "--requests must be at least 1, got -5");
    bad.put(List.of("--zipf", "-1"), "--zipf must be a number >= 0");
    bad.put(List.of("--gap-ms", "-2"), "--gap-ms must be a number >= 0");
    bad.put(List.of("--burst", "0"), "--burst must be at least 1, got 0");
    bad.put(List.of("--workload", "huge"), "unknown workload \"huge\"");
    bad.put(List.of("--files", "many"), "'many' is not an int");
    for (Map.Entry<List<String>, String> entry : bad.entrySet()) {
      List<String> args = new ArrayList<>(List.of("gen-trace", "--out", out));
      args.addAll(entry.getKey());
      Run run = cli(args.toArray(String[]::new));
      assertEquals(2, run.code(), entry.getKey() + ": " + run.err());
      assertTrue(run.err().contains(entry.getValue()), entry.getKey() + ": " + run.err());
    }
    assertFalse(Files.exists(tmp.resolve("bad.csv")));
  }

  @Test
  void everyCommandHasHelp() {
    for (String command : List.of("get", "info", "schema", "stats", "ring", "gen-data",
        "gen-trace")) {
      Run run = cli(command, "--help").assertOk();
      assertTrue(run.out().startsWith("Usage: istziio " + command), run.out());
    }
  }

  // ---- helpers ----

  /** Two nodes in one static ring, on ports chosen up front so that each can list the other. */
  private List<Node> twoNodes() throws Exception {
    return staticCluster(List.of("node-a", "node-b"), 2, 64 << 20);
  }

  private static RingView view(List<Node> nodes) {
    return RingView.of(0, nodes.stream().map(n -> new Member(n.id(), n.uri().toString(), 1))
        .toList());
  }

  private static String quote(Object text) {
    return java.util.regex.Pattern.quote(text.toString());
  }

  private static void assertManifest(JsonNode manifest, List<String> paths) {
    assertTrue(manifest.isArray(), manifest.toString());
    assertEquals(paths.size(), manifest.size(), manifest.toString());
    for (int i = 0; i < paths.size(); i++) {
      assertEquals(i, manifest.get(i).get("index").asInt());
      assertEquals(paths.get(i), manifest.get(i).get("path").asText());
      assertEquals(2, manifest.get(i).size(), "fields: index and path");
    }
  }

  private static List<long[]> readTrace(Path trace) throws Exception {
    List<String> lines = Files.readAllLines(trace);
    assertEquals("timestamp,file_index", lines.get(0));
    return lines.stream().skip(1).map(line -> {
      String[] fields = line.split(",");
      assertEquals(2, fields.length, line);
      return new long[] {Long.parseLong(fields[0]), Long.parseLong(fields[1])};
    }).toList();
  }

  private static void assertSorted(List<long[]> requests) {
    for (int i = 1; i < requests.size(); i++) {
      assertTrue(requests.get(i - 1)[0] <= requests.get(i)[0], "unsorted at request " + i);
    }
  }

  private static LongStream gaps(List<long[]> requests) {
    return IntStream.range(1, requests.size())
        .mapToLong(i -> requests.get(i)[0] - requests.get(i - 1)[0]);
  }

  private static List<Map<String, Object>> readArrowFile(Path file) throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        FileChannel channel = FileChannel.open(file);
        ArrowFileReader reader = new ArrowFileReader(channel, allocator)) {
      return rows(reader);
    }
  }

  private static List<Map<String, Object>> readArrowStream(Path file) throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        InputStream in = Files.newInputStream(file);
        ArrowStreamReader reader = new ArrowStreamReader(in, allocator)) {
      return rows(reader);
    }
  }

  private static List<Map<String, Object>> readParquet(Path file) throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        FileSystemDatasetFactory factory = new FileSystemDatasetFactory(allocator,
            NativeMemoryPool.getDefault(), FileFormat.PARQUET, file.toUri().toString());
        Dataset dataset = factory.finish();
        Scanner scanner = dataset.newScan(new ScanOptions(32_768));
        ArrowReader reader = scanner.scanBatches()) {
      return rows(reader);
    }
  }

  private static Schema parquetSchema(Path file) throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        FileSystemDatasetFactory factory = new FileSystemDatasetFactory(allocator,
            NativeMemoryPool.getDefault(), FileFormat.PARQUET, file.toUri().toString())) {
      return factory.inspect();
    }
  }

  /** Every row as column → value, strings as String. */
  private static List<Map<String, Object>> rows(ArrowReader reader) throws Exception {
    List<Map<String, Object>> rows = new ArrayList<>();
    while (reader.loadNextBatch()) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      for (int i = 0; i < root.getRowCount(); i++) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (FieldVector vector : root.getFieldVectors()) {
          Object value = vector.getObject(i);
          row.put(vector.getName(), value instanceof Text text ? text.toString() : value);
        }
        rows.add(row);
      }
    }
    return rows;
  }
}
