package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.protocol.ReadTicket;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Ticket;
import org.junit.jupiter.api.Test;

/**
 * A node's /metrics page after a known sequence of misses, hits and errors: the counters match the
 * sequence, and the page is valid Prometheus text exposition format (checked by a strict parser).
 */
class MetricsTest extends NodeTestBase {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void countersFollowAKnownSequenceAndThePageParses() throws Exception {
    String a = putSample("metrics/a.parquet");
    String b = putSample("metrics/b.parquet");
    Node node = start(config(64 << 20).withMetricsPort(NodeConfig.ANY_METRICS_PORT));
    assertTrue(node.metricsPort() > 0);
    FlightClient client = connect(node);

    read(client, a); // miss
    read(client, b); // miss
    read(client, a); // hit
    read(client, b); // hit
    read(client, a); // hit
    // A hit whose filter leaves one row group of the seven to read: 5 rows, 6 groups skipped.
    assertEquals(5, FlightReads.read(client,
        ReadTicket.of(a).withColumns(List.of("id")).withFilter("id < 5")).rows().size());
    // An unknown column: refused after the lookup of the cached file, so a fifth hit.
    String unknownColumn = "{\"path\": \"" + a + "\", \"columns\": [\"id\", \"nope\"]}";
    assertStatus(FlightStatusCode.INVALID_ARGUMENT, () -> {
      try (FlightStream stream = client.getStream(
          new Ticket(unknownColumn.getBytes(StandardCharsets.UTF_8)))) {
        stream.next();
      }
    });
    String c = putSample("metrics/c.parquet");
    s3.failGets(503); // the store fails the download: a store error
    try {
      assertStatus(FlightStatusCode.UNAVAILABLE, () -> read(client, c));
    } finally {
      s3.failGets(0);
    }
    // The errors reached the client before the server's calls ended: wait for the middleware.
    waitUntil(() -> sample(scrape(node), "istziio_flight_requests_total",
        Map.of("method", "DoGet", "status", "INVALID_ARGUMENT")) != null
        && sample(scrape(node), "istziio_flight_requests_total",
        Map.of("method", "DoGet", "status", "UNAVAILABLE")) != null);
    stats(client); // a DoAction, counted once its call has ended

    Map<String, Family> page = parse(scrape(node));
    assertEquals(6.0, value(page, "istziio_flight_requests_total",
        Map.of("method", "DoGet", "status", "OK")));
    assertEquals(1.0, value(page, "istziio_flight_requests_total",
        Map.of("method", "DoGet", "status", "INVALID_ARGUMENT")));
    assertEquals(1.0, value(page, "istziio_flight_requests_total",
        Map.of("method", "DoGet", "status", "UNAVAILABLE")));
    assertEquals(1.0, value(page, "istziio_store_errors_total", Map.of("kind", "UNAVAILABLE")));
    assertEquals(0.0, value(page, "istziio_store_errors_total", Map.of("kind", "NOT_FOUND")));
    assertEquals(2.0 * sampleSize, value(page, "istziio_store_read_bytes_total", Map.of()));
    assertEquals(0.0, value(page, "istziio_store_downloads_in_flight", Map.of()));
    // A miss is a read served by a download: the failed one counts as a download and an error.
    assertEquals(2.0, value(page, "istziio_cache_misses_total", Map.of("tier", "disk")));
    assertEquals(5.0, value(page, "istziio_cache_hits_total", Map.of("tier", "disk")));
    assertEquals((double) (ROWS / ROWS_PER_GROUP),
        value(page, "istziio_row_groups_skipped_total", Map.of()));
    assertEquals(0.0, value(page, "istziio_cache_bypasses_total", Map.of("tier", "disk")));
    assertEquals(0.0, value(page, "istziio_cache_hits_total", Map.of("tier", "memory")));
    assertEquals(3.0, value(page, "istziio_store_downloads_total", Map.of()));
    assertEquals(2.0, value(page, "istziio_cache_entries", Map.of("tier", "disk")));
    assertEquals((double) node.disk().usedBytes(),
        value(page, "istziio_cache_used_bytes", Map.of("tier", "disk")));
    assertEquals(64.0 * (1 << 20), value(page, "istziio_cache_capacity_bytes", Map.of("tier", "disk")));
    assertEquals(5.0 * ROWS + 5, value(page, "istziio_served_rows_total", Map.of()));
    assertTrue(value(page, "istziio_served_bytes_total", Map.of()) > 5.0 * ROWS);
    assertEquals(1.0, value(page, "istziio_ring_members", Map.of()));
    assertEquals(0.0, value(page, "istziio_streams_active", Map.of("tier", "disk")));
    assertEquals(0.0, value(page, "istziio_streams_active", Map.of("tier", "memory")));
    assertEquals(0.0, value(page, "istziio_streams_queued", Map.of()));
    // DoGet histograms: every DoGet timed in total, the six that sent a batch to the first one.
    assertEquals("histogram", page.get("istziio_doget_duration_seconds").type);
    assertEquals(8.0, value(page, "istziio_doget_duration_seconds_count", Map.of()));
    assertEquals(8.0, value(page, "istziio_doget_duration_seconds_bucket", Map.of("le", "+Inf")));
    assertEquals(6.0, value(page, "istziio_doget_first_batch_seconds_count", Map.of()));
    assertTrue(value(page, "istziio_doget_first_batch_seconds_sum", Map.of())
        <= value(page, "istziio_doget_duration_seconds_sum", Map.of()));
    assertNotNull(page.get("istziio_arrow_allocated_bytes"));
    assertNotNull(page.get("istziio_native_allocated_bytes"));
    assertNotNull(page.get("istziio_ring_epoch"));
    // The stats action keeps working, and agrees.
    assertEquals(5, stats(client).hits());
    assertEquals(2, stats(client).misses());
  }

  /** A read the memory tier serves counts there, and its batches through the same listener. */
  @Test
  void memoryTierHitsAreCountedByTier() throws Exception {
    String path = putSample("metrics/hot.parquet");
    Node node = start(config(64 << 20).withMemoryBytes(256 << 20)
        .withMetricsPort(NodeConfig.ANY_METRICS_PORT));
    FlightClient client = connect(node);
    warmMemory(node, client, path);
    Map<String, Family> before = parse(scrape(node));
    assertEquals(ROWS, read(client, path).rows().size());
    waitUntil(() -> sample(scrape(node), "istziio_cache_hits_total", Map.of("tier", "memory"))
        > value(before, "istziio_cache_hits_total", Map.of("tier", "memory")));
    Map<String, Family> page = parse(scrape(node));
    assertEquals(value(before, "istziio_cache_hits_total", Map.of("tier", "memory")) + 1,
        value(page, "istziio_cache_hits_total", Map.of("tier", "memory")));
    assertEquals(value(before, "istziio_served_rows_total", Map.of()) + ROWS,
        value(page, "istziio_served_rows_total", Map.of()));
    assertEquals(1.0, value(page, "istziio_cache_entries", Map.of("tier", "memory")));
    assertTrue(value(page, "istziio_cache_used_bytes", Map.of("tier", "memory")) > 0);
    assertEquals(256.0 * (1 << 20), value(page, "istziio_cache_capacity_bytes", Map.of("tier", "memory")));
    assertEquals(node.memory().hits(), (long) value(page, "istziio_cache_hits_total", Map.of("tier", "memory")));
  }

  /**
   * Every meter the Grafana dashboard (scripts/grafana/istziio.json) queries is one the node
   * serves, so a renamed or new meter cannot leave a panel empty unnoticed.
   */
  @Test
  void theDashboardQueriesOnlyMetersTheNodeServes() throws Exception {
    Node node = start(config(64 << 20).withMetricsPort(NodeConfig.ANY_METRICS_PORT));
    FlightClient client = connect(node);
    String path = putSample("metrics/dashboard.parquet");
    read(client, path);
    read(client, path);
    String failing = putSample("metrics/dashboard-failing.parquet");
    s3.failGets(503); // a store error, so that its family has a sample
    try {
      assertStatus(FlightStatusCode.UNAVAILABLE, () -> read(client, failing));
    } finally {
      s3.failGets(0);
    }
    String page = scrape(node);
    Set<String> served = new TreeSet<>();
    for (String line : page.split("\n")) {
      if (!line.isEmpty() && !line.startsWith("#")) {
        served.add(line.split("[{ ]", 2)[0]);
      }
    }
    String dashboard = Files.readString(Path.of("..", "scripts", "grafana", "istziio.json"));
    Matcher names = Pattern.compile("istziio_[a-z0-9_]+").matcher(dashboard);
    Set<String> queried = new TreeSet<>();
    while (names.find()) {
      queried.add(names.group());
    }
    assertTrue(queried.size() > 20, "the dashboard's meters: " + queried);
    queried.removeAll(served);
    assertEquals(Set.of(), queried, "queried by the dashboard but not served");
  }

  @Test
  void portZeroServesNothing() throws Exception {
    int port = freeLoopbackPort();
    Node node = start(config(1 << 20).withMetricsPort(0));
    assertEquals(0, node.metricsPort());
    assertThrows(ConnectException.class, () -> get(port));
    stats(connect(node));
  }

  @Test
  void theParserRejectsMalformedPages() {
    assertThrows(AssertionError.class, () -> parse("x_total 1\n")); // no TYPE
    assertThrows(AssertionError.class, () -> parse("# TYPE x counter\nx{a=\"1} 1\n"));
    assertThrows(AssertionError.class, () -> parse("# TYPE x gauge\nx one\n"));
    assertThrows(AssertionError.class, () -> parse("# TYPE x gauge\n# TYPE x gauge\nx 1\n"));
    assertThrows(AssertionError.class, () -> parse(
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 0\n"));
    assertEquals(2.5, parse("# HELP x a gauge\n# TYPE x gauge\nx{a=\"q\\\"\"} 2.5\n")
        .get("x").samples.get(0).value);
  }

  static String scrape(Node node) {
    try {
      HttpResponse<String> response = get(node.metricsPort());
      assertEquals(200, response.statusCode());
      assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
      return response.body();
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private static HttpResponse<String> get(int port) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  static double value(Map<String, Family> page, String name, Map<String, String> labels) {
    for (Family family : page.values()) {
      for (Sample s : family.samples) {
        if (s.name.equals(name) && s.labels.entrySet().containsAll(labels.entrySet())
            && (!labels.isEmpty() || !s.labels.containsKey("le"))) {
          return s.value;
        }
      }
    }
    throw new AssertionError("no sample " + name + labels + " on the page");
  }

  private static Double sample(String page, String name, Map<String, String> labels) {
    try {
      return value(parse(page), name, labels);
    } catch (AssertionError e) {
      return null;
    }
  }

  // A strict parser of the Prometheus text exposition format, version 0.0.4.

  record Sample(String name, Map<String, String> labels, double value) {}

  static final class Family {
    final String name;
    String type;
    final List<Sample> samples = new ArrayList<>();

    Family(String name) {
      this.name = name;
    }
  }

  private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  private static final Pattern TYPE = Pattern.compile(
      "# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
  private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
  private static final Pattern SAMPLE = Pattern.compile(
      "(" + NAME + ")(\\{(.*)\\})? (\\S+)( -?[0-9]+)?");
  private static final Pattern LABEL = Pattern.compile(
      "([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"(,|$)");
  private static final Set<String> SUFFIXES =
      Set.of("", "_total", "_created", "_bucket", "_sum", "_count");

  static Map<String, Family> parse(String page) {
    Map<String, Family> families = new LinkedHashMap<>();
    Map<String, String> help = new HashMap<>();
    Family current = null;
    String[] lines = page.split("\n", -1);
    if (!page.endsWith("\n")) {
      throw new AssertionError("the page does not end with a newline");
    }
    for (int i = 0; i < lines.length - 1; i++) {
      String line = lines[i];
      String where = "line " + (i + 1) + ": " + line;
      Matcher m;
      if (line.isEmpty()) {
        throw new AssertionError("empty " + where);
      } else if ((m = HELP.matcher(line)).matches()) {
        if (help.put(m.group(1), m.group(2)) != null) {
          throw new AssertionError("second HELP at " + where);
        }
      } else if ((m = TYPE.matcher(line)).matches()) {
        if (families.containsKey(m.group(1))) {
          throw new AssertionError("second TYPE at " + where);
        }
        current = new Family(m.group(1));
        current.type = m.group(2);
        families.put(current.name, current);
      } else if (line.startsWith("#")) {
        continue; // a comment
      } else if ((m = SAMPLE.matcher(line)).matches()) {
        String name = m.group(1);
        if (current == null || !name.startsWith(current.name)
            || !SUFFIXES.contains(name.substring(current.name.length()))) {
          throw new AssertionError("a sample outside its family's TYPE at " + where);
        }
        Map<String, String> labels = new TreeMap<>();
        if (m.group(3) != null && !m.group(3).isEmpty()) {
          Matcher l = LABEL.matcher(m.group(3));
          int end = 0;
          while (l.find() && l.start() == end) {
            if (labels.put(l.group(1), unescape(l.group(2))) != null) {
              throw new AssertionError("repeated label at " + where);
            }
            end = l.end();
          }
          if (end != m.group(3).length()) {
            throw new AssertionError("bad labels at " + where);
          }
        }
        current.samples.add(new Sample(name, labels, number(m.group(4), where)));
      } else {
        throw new AssertionError("not a HELP, TYPE or sample: " + where);
      }
    }
    for (Family family : families.values()) {
      if (family.type.equals("histogram")) {
        checkHistogram(family);
      }
    }
    return families;
  }

  /** Buckets per label set: cumulative, ending at +Inf, which equals the count. */
  private static void checkHistogram(Family family) {
    Map<Map<String, String>, List<Sample>> buckets = new HashMap<>();
    Map<Map<String, String>, Double> counts = new HashMap<>();
    for (Sample s : family.samples) {
      Map<String, String> rest = new TreeMap<>(s.labels);
      if (s.name.endsWith("_bucket")) {
        if (rest.remove("le") == null) {
          throw new AssertionError("bucket without le: " + s);
        }
        buckets.computeIfAbsent(rest, k -> new ArrayList<>()).add(s);
      } else if (s.name.endsWith("_count")) {
        counts.put(rest, s.value);
      }
    }
    for (var entry : buckets.entrySet()) {
      double previousLe = Double.NEGATIVE_INFINITY;
      double previous = 0;
      for (Sample s : entry.getValue()) {
        double le = number(s.labels.get("le"), s.toString());
        if (le <= previousLe || s.value < previous) {
          throw new AssertionError("buckets not cumulative in " + family.name + ": " + s);
        }
        previousLe = le;
        previous = s.value;
      }
      if (previousLe != Double.POSITIVE_INFINITY || !counts.containsKey(entry.getKey())
          || counts.get(entry.getKey()) != previous) {
        throw new AssertionError("+Inf bucket missing or unequal to the count in " + family.name);
      }
    }
  }

  private static double number(String text, String where) {
    switch (text) {
      case "+Inf": return Double.POSITIVE_INFINITY;
      case "-Inf": return Double.NEGATIVE_INFINITY;
      case "NaN": return Double.NaN;
      default:
        if (!text.matches("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?")) {
          throw new AssertionError("not a number \"" + text + "\" at " + where);
        }
        return Double.parseDouble(text);
    }
  }

  private static String unescape(String value) {
    return value.replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\");
  }
}
