package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.data.IstziioData;
import io.istziio.client.protocol.ReadStats;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.client.protocol.ReadTicket.PartitionValue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.vector.types.pojo.Field;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Datasets against a real S3-compatible server: a hive-partitioned dataset of 27 files over 3
 * years and 3 cities (one of them null), read by GetFlightInfo and a DoGet of every endpoint, and
 * compared with reading each file on its own plus its partition values.
 */
class DatasetTest extends NodeTestBase {

  static final int[] YEARS = {2022, 2023, 2024};
  /** Directory values as pyarrow writes them, and the values they mean. */
  static final String[] CITY_DIRS = {"b%20c", "x", "__HIVE_DEFAULT_PARTITION__"};
  static final String[] CITIES = {"b c", "x", null};
  static final int PARTS = 3;
  static final int ROWS_PER_FILE = 40;

  @BeforeAll
  static void putDatasets() throws Exception {
    putHive("ds/");
    putHive("pruned/");
    s3.put(BUCKET, "ds/_SUCCESS", new byte[0]); // ignored, as pyarrow.dataset ignores it
    s3.put(BUCKET, "ds/year=2022/.hidden/x.parquet", new byte[] {1}); // ignored too
    s3.put(BUCKET, "ds/", new byte[0]); // a folder marker
  }

  private static void putHive(String prefix) throws Exception {
    int file = 0;
    for (int year : YEARS) {
      for (String city : CITY_DIRS) {
        for (int part = 0; part < PARTS; part++) {
          Path local = shared.resolve(prefix.replace('/', '-') + file + ".parquet");
          IstziioData.write(local, 7, file++, ROWS_PER_FILE, 16, 2);
          s3.put(BUCKET, prefix + "year=" + year + "/city=" + city + "/part-" + part + ".parquet", local);
        }
      }
    }
  }

  private static String key(String prefix, int year, int city, int part) {
    return prefix + "year=" + year + "/city=" + CITY_DIRS[city] + "/part-" + part + ".parquet";
  }

  static FlightInfo info(FlightClient client, ReadTicket ticket) {
    return client.getInfo(FlightDescriptor.command(ticket.toJsonBytes()));
  }

  /** Every endpoint's rows, in endpoint order. */
  static List<Map<String, Object>> readAll(FlightClient client, FlightInfo info) throws Exception {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (FlightEndpoint endpoint : info.getEndpoints()) {
      FlightReads.Result result = FlightReads.read(client, ReadTicket.parse(endpoint.getTicket().getBytes()));
      assertEquals(info.getSchemaOptional().orElseThrow(), result.schema(), "endpoint schema");
      rows.addAll(result.rows());
    }
    return rows;
  }

  /** The file's own rows (read alone) with its partition columns appended. */
  static List<Map<String, Object>> expected(FlightClient client, String prefix, int year, int city,
      int part) throws Exception {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Map<String, Object> row : read(client, "s3://" + BUCKET + "/" + key(prefix, year, city, part)).rows()) {
      Map<String, Object> withPartition = new LinkedHashMap<>(row);
      withPartition.put("year", year);
      withPartition.put("city", CITIES[city]);
      rows.add(withPartition);
    }
    return rows;
  }

  @Test
  void aHiveDatasetReadsAsEachFileWithItsPartitionValues() throws Exception {
    Node node = start(config(64 << 20));
    FlightClient client = connect(node);
    FlightInfo info = info(client, ReadTicket.of("s3://data/ds/"));
    assertEquals(27, info.getEndpoints().size(), "one endpoint per file; _SUCCESS and .hidden ignored");
    assertEquals(List.of("c0", "c1", "year", "city"),
        info.getSchemaOptional().orElseThrow().getFields().stream().map(Field::getName).toList());
    assertEquals("Int(32, true)", info.getSchemaOptional().orElseThrow().findField("year").getType().toString());
    assertEquals(-1, info.getRecords());
    List<Map<String, Object>> expected = new ArrayList<>();
    List<String> paths = new ArrayList<>();
    for (int year : YEARS) {
      for (int city = 0; city < CITIES.length; city++) {
        for (int part = 0; part < PARTS; part++) {
          paths.add("s3://data/" + key("ds/", year, city, part));
        }
      }
    }
    List<String> sorted = new ArrayList<>(paths);
    java.util.Collections.sort(sorted);
    assertEquals(sorted, info.getEndpoints().stream()
        .map(e -> ReadTicket.parse(e.getTicket().getBytes()).path()).toList(), "files sorted by path");
    for (String path : sorted) {
      String[] parts = path.split("/");
      int year = Integer.parseInt(parts[4].substring(5));
      int city = List.of(CITY_DIRS).indexOf(parts[5].substring(5));
      int part = parts[6].charAt(5) - '0';
      expected.addAll(expected(client, "ds/", year, city, part));
    }
    assertEquals(expected, readAll(client, info));
    assertEquals(List.of(node.location()), info.getEndpoints().get(0).getLocations());
  }

  @Test
  void aFilterOnPartitionsOmitsFilesBeforeAnyDownload() throws Exception {
    Node node = start(config(64 << 20));
    FlightClient client = connect(node);
    ReadTicket ticket = ReadTicket.of("s3://data/pruned/").withFilter("year = 2023 AND c0 > 0.5");
    FlightInfo info = info(client, ticket);
    assertEquals(9, info.getEndpoints().size(), "only 2023's files");
    List<Map<String, Object>> rows = readAll(client, info);
    for (int year : YEARS) {
      for (int city = 0; city < CITIES.length; city++) {
        for (int part = 0; part < PARTS; part++) {
          assertEquals(year == 2023 ? 1 : 0, s3.gets(key("pruned/", year, city, part)),
              "GETs of " + key("pruned/", year, city, part));
        }
      }
    }
    List<Map<String, Object>> expected = new ArrayList<>();
    for (int city = 0; city < CITIES.length; city++) {
      for (int part = 0; part < PARTS; part++) {
        expected(client, "pruned/", 2023, city, part).stream()
            .filter(row -> (double) row.get("c0") > 0.5).forEach(expected::add);
      }
    }
    assertTrue(!expected.isEmpty() && expected.size() < 9 * ROWS_PER_FILE);
    assertEquals(sorted(expected), sorted(rows));
  }

  @Test
  void partitionColumnsInColumnsAndFilterWithNulls() throws Exception {
    Node node = start(config(64 << 20));
    FlightClient client = connect(node);
    ReadTicket ticket = ReadTicket.of("s3://data/ds/").withColumns(List.of("city", "c1", "year"))
        .withFilter("city IS NULL OR NOT (city >= 'x' OR year IN (2022, 2024))");
    FlightInfo info = info(client, ticket);
    assertEquals(List.of("city", "c1", "year"),
        info.getSchemaOptional().orElseThrow().getFields().stream().map(Field::getName).toList());
    // city null (any year): 9 files; NOT (city >= 'x' OR year in ...) with city 'b c', 2023: 3.
    assertEquals(12, info.getEndpoints().size());
    List<Map<String, Object>> expected = new ArrayList<>();
    for (int year : YEARS) {
      for (int city = 0; city < CITIES.length; city++) {
        if (CITIES[city] != null && !(year == 2023 && CITIES[city].equals("b c"))) {
          continue;
        }
        for (int part = 0; part < PARTS; part++) {
          for (Map<String, Object> row : expected(client, "ds/", year, city, part)) {
            Map<String, Object> projected = new LinkedHashMap<>();
            projected.put("city", row.get("city"));
            projected.put("c1", row.get("c1"));
            projected.put("year", row.get("year"));
            expected.add(projected);
          }
        }
      }
    }
    assertEquals(sorted(expected), sorted(readAll(client, info)));
    // Only partition columns: the file's rows count, its columns are not sent.
    FlightInfo years = info(client, ReadTicket.of("s3://data/ds/").withColumns(List.of("year"))
        .withFilter("year = 2024"));
    List<Map<String, Object>> rows = readAll(client, years);
    assertEquals(9 * ROWS_PER_FILE, rows.size());
    assertTrue(rows.stream().allMatch(row -> row.equals(Map.of("year", 2024))), "year only");
  }

  @Test
  void globsAndPathLists() throws Exception {
    Node node = start(config(64 << 20));
    FlightClient client = connect(node);
    assertEquals(9, info(client, ReadTicket.of("s3://data/ds/*/city=x/*.parquet")).getEndpoints().size());
    assertEquals(9, info(client, ReadTicket.of("s3://data/ds/**/part-0.parquet")).getEndpoints().size());
    assertEquals(27, info(client, ReadTicket.of("s3://data/ds/**/*.parquet")).getEndpoints().size(),
        "** matches any depth; .hidden stays ignored");
    assertEquals(9, info(client, ReadTicket.of("s3://data/ds/year=2022/**")).getEndpoints().size());
    FlightInfo glob = info(client, ReadTicket.of("s3://data/ds/year=202*/city=b%20c/part-1.parquet"));
    assertEquals(3, glob.getEndpoints().size());
    assertEquals(List.of("c0", "c1", "year", "city"),
        glob.getSchemaOptional().orElseThrow().getFields().stream().map(Field::getName).toList(),
        "partitions below the listing prefix");
    List<Map<String, Object>> expected = new ArrayList<>();
    for (int year : YEARS) {
      expected.addAll(expected(client, "ds/", year, 0, 1));
    }
    assertEquals(expected, readAll(client, glob));

    FlightInfo listed = info(client, ReadTicket.ofPaths(List.of(
        "s3://data/" + key("ds/", 2024, 1, 2), "s3://data/" + key("ds/", 2022, 1, 0))));
    assertEquals(2, listed.getEndpoints().size());
    List<Map<String, Object>> both = new ArrayList<>(expected(client, "ds/", 2022, 1, 0));
    both.addAll(expected(client, "ds/", 2024, 1, 2));
    List<Map<String, Object>> noCity = both.stream().map(row -> {
      Map<String, Object> copy = new LinkedHashMap<>(row);
      copy.remove("city"); // both in city=x: the common directory is below it
      return copy;
    }).toList();
    assertEquals(noCity.size(), readAll(client, listed).size());
    FlightInfo none = info(client, ReadTicket.ofPaths(List.of("s3://data/" + key("ds/", 2022, 1, 0)))
        .withPartitioning("none"));
    assertEquals(List.of("c0", "c1"),
        none.getSchemaOptional().orElseThrow().getFields().stream().map(Field::getName).toList());
  }

  @Test
  void emptyPrefixesGlobsAndMissingBucketsAreNotFound() throws Exception {
    Node node = start(config(64 << 20));
    FlightClient client = connect(node);
    String message = assertStatus(FlightStatusCode.NOT_FOUND,
        () -> info(client, ReadTicket.of("s3://data/nothing-here/"))).getMessage();
    assertTrue(message.contains("s3://data/nothing-here/"), message);
    message = assertStatus(FlightStatusCode.NOT_FOUND,
        () -> info(client, ReadTicket.of("s3://data/ds/*/city=nowhere/*"))).getMessage();
    assertTrue(message.contains("matches no object") && message.contains("ds/"), message);
    message = assertStatus(FlightStatusCode.NOT_FOUND,
        () -> info(client, ReadTicket.of("s3://no-such-bucket/ds/"))).getMessage();
    assertTrue(message.contains("no-such-bucket"), message);
    message = assertStatus(FlightStatusCode.INVALID_ARGUMENT,
        () -> FlightReads.read(client, ReadTicket.of("s3://data/ds/"))).getMessage();
    assertTrue(message.contains("call GetFlightInfo and DoGet each endpoint's ticket"), message);
    message = assertStatus(FlightStatusCode.INVALID_ARGUMENT,
        () -> info(client, ReadTicket.of("s3://data/ds/").withFilter("year = 'x'"))).getMessage();
    assertTrue(message.contains("year"), message);
    assertTrue(stats(client).memory() != null, "the node still serves");
  }

  /**
   * Every endpoint's ticket repeats the dataset's columns and filter: a large filter over many
   * files would multiply into a FlightInfo the node cannot hold. Past a bound it is refused.
   */
  @Test
  void endpointTicketsAreBoundedInTotal() throws Exception {
    Node node = start(config(64 << 20));
    FlightClient client = connect(node);
    String filter = "city = '" + "y".repeat(3 << 20) + "' OR c0 > 0.5"; // 27 files x 3 MiB
    String message = assertStatus(FlightStatusCode.INVALID_ARGUMENT,
        () -> info(client, ReadTicket.of("s3://data/ds/").withFilter(filter))).getMessage();
    assertTrue(message.contains("MiB") && message.contains("s3://data/ds/"), message);
    assertEquals(27, info(client, ReadTicket.of("s3://data/ds/").withFilter("c0 > 0.5"))
        .getEndpoints().size(), "an ordinary filter is not");
  }

  /** Lists 1,000 objects (ListObjectsV2 pages of 1,000 or fewer) and reads a tenth of them. */
  @Test
  void aPrefixOfAThousandSmallObjects() throws Exception {
    Path tiny = tmp.resolve("tiny.parquet");
    IstziioData.write(tiny, 1, 0, 3, 16, 1);
    java.util.stream.IntStream.range(0, 1000).parallel()
        .forEach(i -> s3.put(BUCKET, String.format("many/f-%04d.parquet", i), tiny));
    Node node = start(config(64 << 20));
    FlightClient client = connect(node);
    FlightInfo info = info(client, ReadTicket.of("s3://data/many/"));
    assertEquals(1000, info.getEndpoints().size());
    List<FlightEndpoint> some = new ArrayList<>();
    for (int i = 0; i < 1000; i += 10) {
      FlightEndpoint endpoint = info.getEndpoints().get(i);
      assertEquals(String.format("s3://data/many/f-%04d.parquet", i),
          ReadTicket.parse(endpoint.getTicket().getBytes()).path());
      some.add(endpoint);
    }
    FlightInfo tenth = new FlightInfo(info.getSchemaOptional().orElseThrow(),
        info.getDescriptor(), some, -1, -1);
    assertEquals(300, readAll(client, tenth).size());
    long listings = listings();
    assertTrue(listings >= 1, "the listing went to S3");
    info(client, ReadTicket.of("s3://data/many/").withColumns(List.of("c0")));
    assertEquals(listings, listings(), "a listing is kept for the freshness interval");
  }

  /** ListObjectsV2 requests nodes sent: a GET of the bucket itself. */
  private static long listings() {
    return s3.requestLog().stream().filter(r -> r.equals("GET /data") || r.equals("GET /data/")).count();
  }

  @Test
  void theMemoryTierAppendsPartitionsZeroCopy() throws Exception {
    Node node = start(config(64 << 20).withMemoryBytes(32 << 20));
    FlightClient client = connect(node);
    String path = "s3://data/" + key("ds/", 2023, 0, 1);
    warmMemory(node, client, path);
    ReadTicket file = ReadTicket.of(path).withPartition(List.of(
        new PartitionValue("year", "int32", "2023"), new PartitionValue("city", "string", "b c")));
    List<Map<String, Object>> expected = expected(client, "ds/", 2023, 0, 1);
    FlightReads.Result memory = FlightReads.read(client, file);
    assertEquals(ReadStats.MEMORY, memory.stats().tier());
    assertEquals(expected, memory.rows());
    FlightReads.Result filtered = FlightReads.read(client,
        file.withColumns(List.of("year", "c0")).withFilter("city = 'b c' AND c0 < 0.5"));
    assertEquals(ReadStats.MEMORY, filtered.stats().tier());
    assertEquals(expected.stream().filter(r -> (double) r.get("c0") < 0.5)
        .map(r -> Map.of("year", r.get("year"), "c0", r.get("c0"))).toList(), filtered.rows());
    FlightReads.Result ruledOut = FlightReads.read(client, file.withFilter("year < 2000"));
    assertEquals(0, ruledOut.rows().size());
    assertEquals(List.of("c0", "c1", "year", "city"),
        ruledOut.schema().getFields().stream().map(Field::getName).toList());
  }

  /**
   * Any node of a three-node ring answers a dataset's GetFlightInfo with every file's owners in
   * ring order, and each endpoint read from its first location is served by an owner.
   */
  @Test
  void anyNodeAnswersWithEachFilesOwnersInRingOrder() throws Exception {
    try (io.istziio.ring.testing.RedisProcess redis = io.istziio.ring.testing.RedisProcess.start()) {
      List<Node> nodes = new ArrayList<>();
      for (String id : List.of("n1", "n2", "n3")) {
        NodeConfig.Ring ring = NodeConfig.Ring.standalone()
            .withRedis(redis.uri(), "datasets", java.time.Duration.ofMillis(1500)).withReplicas(2);
        nodes.add(start(NodeConfig.loopback(tmp.resolve("cache-" + id), 64 << 20)
            .withS3(s3.config()).withMemoryBytes(0).withId(id).withRing(ring)));
      }
      io.istziio.client.IstziioClient routing = track(
          io.istziio.client.IstziioClient.connectRedis(redis.uri(), "datasets", 2));
      waitUntil(() -> routing.view().members().size() == 3
          && nodes.stream().allMatch(n -> n.membership().view().members().size() == 3));
      io.istziio.ring.RingView view = routing.view();
      List<Map<String, Object>> first = null;
      for (Node asked : nodes) {
        FlightClient client = connect(asked);
        FlightInfo info = info(client, ReadTicket.of("s3://data/ds/").withFilter("year = 2024"));
        assertEquals(9, info.getEndpoints().size());
        for (FlightEndpoint endpoint : info.getEndpoints()) {
          String path = ReadTicket.parse(endpoint.getTicket().getBytes()).path();
          assertEquals(view.owners(path, 2).stream()
              .map(m -> new org.apache.arrow.flight.Location(java.net.URI.create(m.location()))).toList(),
              endpoint.getLocations(), path + " asked of " + asked.id());
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (FlightEndpoint endpoint : info.getEndpoints()) {
          try (FlightClient owner = FlightClient.builder(clientAllocator(),
              endpoint.getLocations().get(0)).build()) {
            rows.addAll(FlightReads.read(owner, ReadTicket.parse(endpoint.getTicket().getBytes())).rows());
          }
        }
        assertEquals(9 * ROWS_PER_FILE, rows.size());
        if (first != null) {
          assertEquals(first, rows, "every node answers the same dataset");
        }
        first = rows;
      }
    }
  }

  /** A file ticket whose partition values rule its filter out answers the schema, dictionaries too. */
  @Test
  void aRuledOutFileTicketWithADictionaryColumnAnswersItsSchema() throws Exception {
    Path file = tmp.resolve("dict.parquet");
    DictionaryParquet.write(file, List.of(List.of("a", "b"), List.of("c")));
    s3.put(BUCKET, "dicts/year=1/d.parquet", file);
    Node node = start(config(64 << 20));
    FlightClient client = connect(node);
    ReadTicket ticket = ReadTicket.of("s3://data/dicts/year=1/d.parquet")
        .withPartition(List.of(new PartitionValue("year", "int32", "1"))).withFilter("year > 1");
    FlightReads.Result result = FlightReads.read(client, ticket);
    assertEquals(0, result.rows().size());
    FlightReads.Result all = FlightReads.read(client, ticket.withFilter("year = 1"));
    assertEquals(3, all.rows().size());
    assertEquals(all.schema(), result.schema(), "the same stream schema, without rows");
  }

  static List<String> sorted(List<Map<String, Object>> rows) {
    return rows.stream().map(Object::toString).sorted().toList();
  }

  /**
   * A listing older than --freshness is answered while the store cannot list (issue 11: a dataset
   * read failed once its listing expired with S3 down); a prefix never listed answers the store's
   * UNAVAILABLE.
   */
  @Test
  void theLastListingIsAnsweredWhileTheStoreCannotList() throws Exception {
    Node node = start(config(64 << 20).withFreshness(java.time.Duration.ofSeconds(1)));
    FlightClient client = connect(node);
    ReadTicket ticket = ReadTicket.of("s3://" + BUCKET + "/ds/");
    FlightInfo listed = info(client, ticket);
    List<Map<String, Object>> rows = readAll(client, listed); // every file cached
    s3.failLists(503);
    try {
      Thread.sleep(1_500); // past the freshness: the node must list again
      FlightInfo again = info(client, ticket);
      assertEquals(listed.getEndpoints(), again.getEndpoints());
      assertEquals(rows, readAll(client, again));
      org.apache.arrow.flight.FlightRuntimeException e = org.junit.jupiter.api.Assertions
          .assertThrows(org.apache.arrow.flight.FlightRuntimeException.class,
              () -> info(client, ReadTicket.of("s3://" + BUCKET + "/pruned/")));
      assertEquals(FlightStatusCode.UNAVAILABLE, e.status().code(), e.getMessage());
    } finally {
      s3.failLists(0);
    }
  }
}
