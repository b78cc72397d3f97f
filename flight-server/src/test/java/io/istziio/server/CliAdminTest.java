package io.istziio.server;

import static io.istziio.server.CliTest.cli;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.protocol.Actions;
import io.istziio.client.protocol.NodeStats;
import io.istziio.client.protocol.RingState;
import io.istziio.ring.testing.RedisProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.ActionType;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.junit.jupiter.api.Test;

/**
 * The admin actions end to end: the istziio CLI, in-process, against real nodes and a real S3
 * server whose GETs are counted at the server (S3Server counts each GET its blob store serves).
 */
class CliAdminTest extends NodeTestBase {

  /** The GETs the S3 server served for each of these paths so far. */
  private static Map<String, Integer> gets(List<String> paths) {
    Map<String, Integer> gets = new HashMap<>();
    for (String path : paths) {
      gets.put(path, s3.gets(path.substring(("s3://" + BUCKET + "/").length())));
    }
    return gets;
  }

  private static List<String> putSamples(String prefix, int count) {
    List<String> paths = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      paths.add(putSample(prefix + "file-" + i + ".parquet"));
    }
    return paths;
  }

  private static NodeStats statsOf(Node node) {
    return NodeStats.fromJson(cli("stats", node.uri().toString(), "--json").assertOk().out()
        .strip().getBytes(UTF_8));
  }

  // ---- warm ----

  @Test
  void warmOfAPrefixDownloadsToEveryOwnerSoReadsMakeNoS3Get() throws Exception {
    List<Node> nodes = staticCluster(List.of("n1", "n2", "n3"), 2, 64 << 20);
    List<String> paths = putSamples("warm/all/", 6);
    String seed = nodes.get(0).uri().toString();

    CliTest.Run warm = cli("warm", "s3://data/warm/all/", "--node", seed).assertOk();

    // Not a terminal: one line per copy, each file at both of its owners, one GET per copy.
    List<String> lines = warm.out().lines().toList();
    assertEquals(13, lines.size(), warm.out());
    assertEquals(12, lines.stream().filter(l -> l.startsWith("downloaded ")).count(), warm.out());
    assertEquals("warmed 6 file(s), 12 copies on 3 node(s): 12 downloaded, 0 already cached, "
        + "0 failed", lines.get(12).substring(0, lines.get(12).indexOf(';')), lines.get(12));
    // Each copy is one S3 GET, or a hand-off from the other owner if its copy came first.
    Map<String, Integer> afterWarm = gets(paths);
    paths.forEach(path -> assertTrue(afterWarm.get(path) >= 1 && afterWarm.get(path) <= 2, path));
    long handedOff = nodes.stream().mapToLong(node -> node.peerFills().fills()).sum();
    assertEquals(12, afterWarm.values().stream().mapToInt(Integer::intValue).sum() + handedOff,
        "copies: S3 GETs plus hand-offs");

    for (String path : paths) {
      CliTest.Run read = cli("get", path, "--node", seed, "--limit", "0").assertOk();
      assertTrue(read.out().contains("cache hit"), read.out());
    }
    CliTest.Run again = cli("warm", "s3://data/warm/all/", "--node", seed).assertOk();

    assertEquals(afterWarm, gets(paths), "GETs counted at the S3 server after the reads");
    assertTrue(again.out().contains("0 downloaded, 12 already cached, 0 failed"), again.out());
  }

  @Test
  void warmOfAManifestToPrimariesOnlyReportsEachFailureAndExitsNonZero() throws Exception {
    List<Node> nodes = staticCluster(List.of("n1", "n2"), 2, 64 << 20);
    List<String> paths = putSamples("warm/manifest/", 3);
    Path manifest = tmp.resolve("manifest.txt");
    List<String> listed = new ArrayList<>(paths);
    listed.add("s3://data/warm/manifest/missing.parquet");
    Files.write(manifest, listed);

    CliTest.Run warm = cli("warm", "--manifest", manifest.toString(), "--primary-only",
        "--concurrency", "2", "--node", nodes.get(1).uri().toString()).assertFails();

    assertTrue(warm.out().matches("(?s).*warmed 4 file\\(s\\), 4 copies on [12] node\\(s\\): 3 "
        + "downloaded, 0 already cached, 1 failed;.*"), warm.out());
    String failed = warm.out().lines().filter(l -> l.startsWith("failed ")).findFirst().orElseThrow();
    assertTrue(failed.contains("missing.parquet") && failed.contains("NOT_FOUND"), failed);
    gets(paths).forEach((path, count) -> assertEquals(1, count, path)); // the primary only
    for (String path : paths) {
      assertTrue(cli("get", path, "--node", nodes.get(0).uri().toString(), "--limit", "0")
          .assertOk().out().contains("cache hit"), path);
    }
    gets(paths).forEach((path, count) -> assertEquals(1, count, path));
  }

  // ---- pin, unpin ----

  @Test
  void aPinnedEntrySurvivesAFloodOfReadsLargerThanTheCache() throws Exception {
    Node node = start(config(sampleSize * 7 / 2).withMetricsPort(NodeConfig.ANY_METRICS_PORT));
    String location = node.uri().toString();
    String pinned = putSample("pin/flood/pinned.parquet");
    List<String> flood = putSamples("pin/flood/other-", 8); // 8 copies into room for 3

    CliTest.Run pin = cli("pin", pinned, "--node", location).assertOk();
    FlightClient client = connect(node);
    for (String path : flood) {
      read(client, path);
    }
    FlightReads.Result hit = read(client, pinned);

    assertTrue(pin.out().contains("pinned 1 path(s) on 1 node(s)"), pin.out());
    assertEquals(1, s3.gets("pin/flood/pinned.parquet"), "GETs of the pinned object");
    assertEquals(io.istziio.client.protocol.ReadStats.HIT, hit.stats().cache(), "the pinned read");
    NodeStats stats = statsOf(node);
    assertTrue(stats.evictions() >= 5, "the flood evicted: " + stats.evictions());
    assertEquals(1, stats.pinnedEntries());
    assertTrue(stats.pinnedBytes() > sampleSize, "pinned bytes " + stats.pinnedBytes());
    assertTrue(stats.cacheUsedBytes() <= stats.cacheCapacityBytes());
    Map<String, MetricsTest.Family> page = MetricsTest.parse(MetricsTest.scrape(node));
    assertEquals(stats.pinnedBytes(), MetricsTest.value(page, "istziio_cache_pinned_bytes",
        Map.of("tier", "disk")));

    // Unpinned, it goes the way of the others.
    assertTrue(cli("unpin", pinned, "--node", location).assertOk().out()
        .contains("unpinned 1 path(s) on 1 node(s)"));
    for (String path : flood) {
      read(client, path);
    }
    read(client, pinned);
    assertEquals(2, s3.gets("pin/flood/pinned.parquet"), "GETs once unpinned");
    assertEquals(0, statsOf(node).pinnedEntries());
  }

  @Test
  void aCacheFullOfPinsServesNewMissesUncachedAndRefusesMorePins() throws Exception {
    Node node = start(config(sampleSize * 5 / 2));
    String location = node.uri().toString();
    String a = putSample("pin/full/a.parquet");
    String b = putSample("pin/full/b.parquet");
    String c = putSample("pin/full/c.parquet");

    cli("pin", a, b, "--node", location).assertOk();
    FlightReads.Result bypassed = read(connect(node), c);
    CliTest.Run refused = cli("pin", c, "--node", location).assertFails();
    CliTest.Run shrink = cli("resize", "--node", location, "--disk", Long.toString(sampleSize))
        .assertFails();

    assertEquals(io.istziio.client.protocol.ReadStats.BYPASS, bypassed.stats().cache(),
        "a miss beside a cache full of pins");
    assertEquals(ROWS, bypassed.rows().size());
    assertTrue(refused.err().contains("RESOURCE_EXHAUSTED") && refused.err().contains(
        "does not fit in the disk cache beside the copies pinned"), refused.err());
    assertTrue(refused.err().contains("0 of 1 paths pinned"), refused.err());
    assertTrue(shrink.err().contains("INVALID_ARGUMENT") && shrink.err().contains(
        "at least the pinned bytes"), shrink.err());
    NodeStats stats = statsOf(node);
    assertEquals(2, stats.pinnedEntries(), "c stays unpinned");
    assertEquals(2, stats.bypasses(), "the read of c, and the pin's copy of it");
    assertTrue(stats.cacheUsedBytes() <= stats.cacheCapacityBytes());
    assertEquals(1, s3.gets("pin/full/a.parquet"));
    assertEquals(io.istziio.client.protocol.ReadStats.HIT, read(connect(node), a).stats().cache());
  }

  @Test
  void pinsOfAPrefixDownloadFirstAndSurviveARestart() throws Exception {
    NodeConfig config = config(64 << 20);
    Node node = start(config);
    List<String> paths = putSamples("pin/restart/", 3);

    CliTest.Run pin = cli("pin", "s3://data/pin/restart/", "--node", node.uri().toString())
        .assertOk();
    stop(node);
    Node restarted = start(config);

    assertTrue(pin.out().matches("(?s).*" + node.id() + "\\s+3\\s+3\\s.*"), pin.out());
    assertTrue(Files.readString(config.cacheDir().resolve("pins.json")).contains(paths.get(2)));
    NodeStats stats = statsOf(restarted);
    assertEquals(3, stats.pinnedEntries());
    gets(paths).forEach((path, count) -> assertEquals(1, count, path));
  }

  // ---- evict ----

  @Test
  void evictDropsMatchingCopiesFromBothTiersButKeepsPinnedOnesUnlessForced() throws Exception {
    Node node = start(config(64 << 20).withMemoryBytes(64 << 20));
    String location = node.uri().toString();
    FlightClient client = connect(node);
    List<String> read = putSamples("evict/t/", 2);
    String pinned = putSample("evict/t/pinned.parquet");
    String elsewhere = putSample("evict/other.parquet");
    for (String path : List.of(read.get(0), read.get(1), elsewhere)) {
      warmMemory(node, client, path);
    }
    cli("pin", pinned, "--node", location).assertOk();

    CliTest.Run evict = cli("evict", "s3://data/evict/t/*.parquet", "--node", location).assertOk();

    List<String> lines = evict.out().lines().toList();
    assertTrue(lines.get(2).matches(node.id() + "\\s+2\\s+[0-9.]+ [KM]iB\\s+0\\s+2\\s+[0-9.]+ [KM]iB"
        + "\\s+1"), lines.get(2));
    assertTrue(evict.out().contains("pinned, kept (evict them with --force): " + pinned),
        evict.out());
    assertFalse(node.memory().holds(read.get(0)));
    assertTrue(node.memory().holds(elsewhere), "outside the glob");
    assertEquals(List.of(pinned), cached(node, "s3://data/evict/t/"));

    CliTest.Run forced = cli("evict", "s3://data/evict/", "--force", "--node", location).assertOk();

    assertTrue(forced.out().contains("evicted 2 disk copies"), forced.out());
    assertEquals(List.of(), cached(node, "s3://data/evict/"));
    assertEquals(0, statsOf(node).pinnedEntries());
    read(client, read.get(0));
    assertEquals(2, s3.gets("evict/t/file-0.parquet"), "read again after the evict");
  }

  private static List<String> cached(Node node, String prefix) {
    return node.disk().snapshot(prefix).stream().map(e -> e.key().path()).sorted().toList();
  }

  // ---- resize ----

  @Test
  void resizeBelowTheBytesUsedEvictsDownBeforeItAnswers() throws Exception {
    Node node = start(config(64 << 20).withMemoryBytes(64 << 20)
        .withMetricsPort(NodeConfig.ANY_METRICS_PORT));
    String location = node.uri().toString();
    FlightClient client = connect(node);
    List<String> paths = putSamples("resize/", 4);
    for (String path : paths) {
      warmMemory(node, client, path);
    }
    long diskBound = sampleSize * 3 / 2;
    long memoryBound = node.memory().usedBytes() / 3;

    CliTest.Run resize = cli("resize", "--node", location, "--disk", Long.toString(diskBound),
        "--memory", memoryBound + "B").assertOk();

    assertTrue(node.disk().usedBytes() <= diskBound, "disk used " + node.disk().usedBytes());
    assertTrue(node.memory().usedBytes() <= memoryBound, "memory " + node.memory().usedBytes());
    assertEquals(1, node.disk().entries(), "one copy fits the new bound");
    List<String> lines = resize.out().lines().toList();
    assertEquals("node " + node.id(), lines.get(0));
    assertTrue(lines.get(1).startsWith("disk: 64.0 MiB -> "), lines.get(1));
    assertTrue(lines.get(2).startsWith("memory: 64.0 MiB -> "), lines.get(2));
    NodeStats stats = statsOf(node);
    assertEquals(diskBound, stats.cacheCapacityBytes());
    assertEquals(memoryBound, stats.memory().capacityBytes());
    Map<String, MetricsTest.Family> page = MetricsTest.parse(MetricsTest.scrape(node));
    assertEquals(diskBound, MetricsTest.value(page, "istziio_cache_capacity_bytes",
        Map.of("tier", "disk")));
    assertEquals(memoryBound, MetricsTest.value(page, "istziio_cache_capacity_bytes",
        Map.of("tier", "memory")));
    // The new bound holds for what comes next: every file read again, one copy at most.
    for (String path : paths) {
      assertEquals(ROWS, read(client, path).rows().size());
      assertTrue(node.disk().usedBytes() <= diskBound, "disk used " + node.disk().usedBytes());
    }
  }

  // ---- drain ----

  @Test
  void drainAnswersLeavesTheRingAndStopsTheNode() throws Exception {
    try (RedisProcess redis = RedisProcess.start()) {
      NodeConfig.Ring ring = NodeConfig.Ring.standalone()
          .withRedis(redis.uri(), "admin", Duration.ofMillis(1500)).withDrain(Duration.ofMillis(300));
      Node stays = start(config(64 << 20).withId("stays").withRing(ring));
      NodeConfig leaving = NodeConfig.loopback(tmp.resolve("cache-leaves"), 64 << 20)
          .withS3(s3.config()).withMemoryBytes(0).withId("leaves").withRing(ring);
      Node leaves = start(leaving);
      waitUntil(() -> stays.membership().view().members().size() == 2);

      CliTest.Run drain = cli("drain", "--node", leaves.uri().toString()).assertOk();

      assertEquals("node leaves is draining: it leaves the ring, serves 300 ms more, then "
          + "finishes its streams and stops", drain.out().strip());
      CompletableFuture<Void> terminated = CompletableFuture.runAsync(() -> {
        try {
          leaves.awaitTermination();
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      terminated.get(30, TimeUnit.SECONDS);
      waitUntil(() -> stays.membership().view().members().size() == 1);
      RingState view = RingState.fromJson(action(connect(stays), Actions.RING, new byte[0]));
      assertEquals(List.of("stays"), view.members().stream().map(m -> m.id()).toList());
      stop(leaves); // waits for the drain's close, which already ran
      stop(stays);
    }
  }

  // ---- bad input ----

  @Test
  void badBodiesGetAClearStatusAndTheNodeKeepsServing() throws Exception {
    Node node = start(config(64 << 20));
    FlightClient client = connect(node);
    String path = putSample("bad/a.parquet");

    FlightRuntimeException notJson = assertStatus(FlightStatusCode.INVALID_ARGUMENT,
        () -> action(client, Actions.EVICT, "{\"path\": ".getBytes(UTF_8)));
    FlightRuntimeException unknownField = assertStatus(FlightStatusCode.INVALID_ARGUMENT,
        () -> action(client, Actions.PIN, "{\"path\": \"s3://data/a\", \"colour\": 1}".getBytes(UTF_8)));
    FlightRuntimeException negative = assertStatus(FlightStatusCode.INVALID_ARGUMENT,
        () -> action(client, Actions.RESIZE, "{\"memory_bytes\": -1}".getBytes(UTF_8)));
    FlightRuntimeException empty = assertStatus(FlightStatusCode.INVALID_ARGUMENT,
        () -> action(client, Actions.WARM, new byte[0]));
    FlightRuntimeException missingPin = assertStatus(FlightStatusCode.NOT_FOUND,
        () -> action(client, Actions.PIN, "{\"path\": \"s3://data/bad/none.parquet\"}".getBytes(UTF_8)));
    FlightRuntimeException missingWarm = assertStatus(FlightStatusCode.NOT_FOUND,
        () -> action(client, Actions.WARM, "{\"path\": \"s3://data/bad/none.parquet\"}".getBytes(UTF_8)));
    FlightRuntimeException emptyPrefix = assertStatus(FlightStatusCode.NOT_FOUND,
        () -> action(client, Actions.WARM, "{\"path\": \"s3://data/bad/none/\"}".getBytes(UTF_8)));
    FlightRuntimeException badPath = assertStatus(FlightStatusCode.INVALID_ARGUMENT,
        () -> action(client, Actions.EVICT, "{\"path\": \"http://x/y\"}".getBytes(UTF_8)));
    FlightRuntimeException unknown = assertStatus(FlightStatusCode.INVALID_ARGUMENT,
        () -> action(client, "evictt", new byte[0]));
    CliTest.Run negativeCli = cli("resize", "--node", node.uri().toString(), "--memory=-5")
        .assertFails();
    CliTest.Run notASize = cli("resize", "--node", node.uri().toString(), "--disk", "lots")
        .assertFails();

    assertTrue(notJson.getMessage().contains("the evict body is not valid JSON"), notJson.getMessage());
    assertTrue(unknownField.getMessage().contains("unknown field \"colour\" in the pin body; it "
        + "takes path, paths"), unknownField.getMessage());
    assertTrue(negative.getMessage().contains("\"memory_bytes\" is -1; send 0 or more"),
        negative.getMessage());
    assertTrue(empty.getMessage().contains("the warm body is empty; send e.g. {\"path\": "),
        empty.getMessage());
    assertTrue(missingPin.getMessage().contains("0 of 1 paths pinned"), missingPin.getMessage());
    assertTrue(missingWarm.getMessage().contains("none.parquet"), missingWarm.getMessage());
    assertTrue(emptyPrefix.getMessage().contains("holds no object"), emptyPrefix.getMessage());
    assertTrue(badPath.getMessage().contains("unsupported scheme"), badPath.getMessage());
    assertTrue(unknown.getMessage().contains("evict, warm, pin, unpin, resize, drain"),
        unknown.getMessage());
    assertTrue(negativeCli.err().contains("INVALID_ARGUMENT: \"memory_bytes\" is -5"),
        negativeCli.err());
    assertTrue(notASize.err().contains("not a size: \"lots\""), notASize.err());
    assertEquals(0, statsOf(node).pinnedEntries(), "a failed pin leaves no pin");
    assertEquals(ROWS, read(client, path).rows().size(), "still serving");
  }

  @Test
  void everyAdminActionIsListedAndEveryCommandHasHelp() throws Exception {
    Node node = start(config(64 << 20));
    Map<String, String> listed = new HashMap<>();
    for (ActionType type : connect(node).listActions()) {
      listed.put(type.getType(), type.getDescription());
    }

    for (String name : List.of("evict", "warm", "pin", "unpin", "resize", "drain")) {
      assertFalse(listed.getOrDefault(name, "").isBlank(), name + " in " + listed);
      CliTest.Run help = cli(name, "--help").assertOk();
      assertTrue(help.out().startsWith("Usage: istziio " + name), help.out());
    }
  }

  private static byte[] action(FlightClient client, String type, byte[] body) {
    var results = client.doAction(new Action(type, body));
    byte[] first = results.next().getBody();
    results.forEachRemaining(r -> { });
    return first;
  }
}
