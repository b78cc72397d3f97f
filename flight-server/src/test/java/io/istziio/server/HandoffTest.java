package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.client.data.SampleData;
import io.istziio.ring.Member;
import io.istziio.ring.testing.RedisProcess;
import io.istziio.server.calls.RequestLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.FlightClient;
import org.junit.jupiter.api.Test;

/**
 * The warm hand-off, with real nodes, a real Redis and the S3 server counting GETs: a node that
 * takes paths over fills them from the peers that still hold them, never with another version
 * than S3's, and falls back to S3 when the peer is down.
 */
class HandoffTest extends NodeTestBase {

  private static final int FILES = 24;
  private static final List<String> ID = List.of("id");

  private List<String> putFiles(String prefix, Path file) {
    List<String> paths = new ArrayList<>();
    for (int i = 0; i < FILES; i++) {
      s3.put(BUCKET, prefix + "/file-" + i + ".parquet", file);
      paths.add("s3://" + BUCKET + "/" + prefix + "/file-" + i + ".parquet");
    }
    return paths;
  }

  private Node node(String redis, String id, int replicas, Duration liveness,
      Duration peerFillTimeout) throws Exception {
    NodeConfig.Ring ring = NodeConfig.Ring.standalone().withRedis(redis, "handoff", liveness)
        .withReplicas(replicas).withPeerFillTimeout(peerFillTimeout);
    return start(NodeConfig.loopback(tmp.resolve("cache-" + id), 256 << 20).withS3(s3.config())
        .withMemoryBytes(0).withId(id).withRing(ring));
  }

  private static String key(String path) {
    return path.substring(("s3://" + BUCKET + "/").length());
  }

  private static Map<String, Integer> gets(List<String> paths) {
    Map<String, Integer> gets = new HashMap<>();
    paths.forEach(path -> gets.put(path, s3.gets(key(path))));
    return gets;
  }

  private static long rows(FlightClient client, String path) throws Exception {
    return FlightReads.read(client, ReadTicket.of(path).withColumns(ID)).rows().size();
  }

  /** The paths {@code node} owns in its view (as primary or replica). */
  private static List<String> ownedBy(Node node, List<String> paths, int replicas) {
    return paths.stream().filter(path -> node.membership().view().owners(path, replicas).stream()
        .map(Member::id).anyMatch(node.id()::equals)).toList();
  }

  private static void awaitMembers(List<Node> nodes, int count) throws InterruptedException {
    waitUntil(() -> nodes.stream().allMatch(n -> n.membership().view().members().size() == count));
  }

  /** What a 4th node's first reads of the cached paths it took over cost at the S3 server. */
  private record Join(int moved, int gets, long fills, List<String> outcomes,
      Map<String, List<String>> requests) {}

  /**
   * Warms a 3-node cluster (replicas 2) by reading every file at its primary, starts a 4th node,
   * and reads through it every path it now owns.
   */
  private Join joinWarmCluster(String prefix, Duration peerFillTimeout) throws Exception {
    List<String> paths = putFiles(prefix, sample);
    try (RedisProcess redis = RedisProcess.start()) {
      List<Node> nodes = new ArrayList<>();
      for (String id : List.of("n1", "n2", "n3")) {
        nodes.add(node(redis.uri(), id, 2, Duration.ofSeconds(5), peerFillTimeout));
      }
      awaitMembers(nodes, 3);
      Map<String, Node> byId = new HashMap<>();
      nodes.forEach(n -> byId.put(n.id(), n));
      for (String path : paths) {
        Node primary = byId.get(nodes.get(0).membership().view().primary(path).id());
        assertEquals(ROWS, rows(connect(primary), path), path);
      }
      Map<String, Integer> warm = gets(paths);
      Map<String, Integer> sentBefore = new HashMap<>();
      paths.forEach(path -> sentBefore.put(path, s3.nodeRequests(key(path)).size()));
      warm.forEach((path, count) -> assertEquals(1, count, path)); // each file once, at its primary

      Node fourth = node(redis.uri(), "n4", 2, Duration.ofSeconds(5), peerFillTimeout);
      nodes.add(fourth);
      awaitMembers(nodes, 4);
      List<String> moved = ownedBy(fourth, paths, 2);
      assertFalse(moved.isEmpty(), "the 4th node took no path of " + FILES);
      FlightClient client = connect(fourth);
      List<String> outcomes = new ArrayList<>();
      try (LogCapture log = LogCapture.of(Level.INFO, RequestLog.LOGGER)) {
        for (String path : moved) {
          assertEquals(ROWS, rows(client, path), path);
        }
        waitUntil(() -> doGets(log, moved).size() >= moved.size());
        doGets(log, moved).forEach(line -> outcomes.add(line.get("cache")));
      }
      int newGets = 0;
      for (String path : paths) {
        newGets += s3.gets(key(path)) - warm.get(path);
      }
      long fills = fourth.peerFills().fills();
      Map<String, List<String>> requests = new HashMap<>(); // what nodes sent S3 since the warm
      for (String path : moved) {
        List<String> sent = s3.nodeRequests(key(path));
        requests.put(path, sent.subList(sentBefore.get(path), sent.size()));
      }
      System.out.printf("hand-off %s: a 4th node joined a warm 3-node cluster and took %d of %d "
          + "cached paths; S3 GETs for them: %d; filled from peers: %d%n",
          peerFillTimeout.isZero() ? "off" : "on", moved.size(), FILES, newGets, fills);
      return new Join(moved.size(), newGets, fills, outcomes, requests);
    }
  }

  /**
   * The request lines of the client's DoGets of {@code paths} (the only ones while the log is
   * captured; the holders' hand-off reads are DoGet:peer-object).
   */
  private static List<Map<String, String>> doGets(LogCapture log, List<String> paths) {
    return log.messages(RequestLog.LOGGER).stream().map(LogCapture::pairs)
        .filter(line -> "DoGet".equals(line.get("call")) && paths.contains(line.get("path")))
        .toList();
  }

  @Test
  void aJoiningNodeFillsTheCachedPathsItTakesFromPeersWithoutS3Gets() throws Exception {
    Join join = joinWarmCluster("warm", NodeConfig.Ring.DEFAULT_PEER_FILL_TIMEOUT);
    assertEquals(0, join.gets(), "S3 GETs for already-cached paths after the join");
    assertEquals(join.moved(), join.fills(), "paths filled from peers");
    assertEquals(join.moved(), join.outcomes().size(), join.outcomes()::toString);
    join.outcomes().forEach(cache -> assertEquals("peer", cache, join.outcomes()::toString));
    // The peer's copy is taken once one HEAD has confirmed its ETag is S3's current one.
    join.requests().forEach((path, sent) -> assertEquals(List.of("HEAD"), sent, path));
  }

  @Test
  void withoutTheHandOffTheJoiningNodeReadsThemFromS3() throws Exception {
    Join join = joinWarmCluster("cold", Duration.ZERO);
    assertEquals(join.moved(), join.gets(), "one S3 GET per path taken over, as before hand-off");
    assertEquals(0, join.fills());
    join.outcomes().forEach(cache -> assertEquals("miss", cache, join.outcomes()::toString));
  }

  @Test
  void aPeerCopyOfAnotherVersionIsNotTaken() throws Exception {
    List<String> paths = putFiles("changed", sample);
    try (RedisProcess redis = RedisProcess.start()) {
      Node first = node(redis.uri(), "n1", 1, Duration.ofSeconds(5),
          NodeConfig.Ring.DEFAULT_PEER_FILL_TIMEOUT);
      FlightClient toFirst = connect(first);
      for (String path : paths) {
        assertEquals(ROWS, rows(toFirst, path), path);
      }
      Path changed = tmp.resolve("changed.parquet");
      SampleData.write(changed, 1_000, 500);
      putFiles("changed", changed); // every object changes in S3; n1 still holds the old ones
      Map<String, Integer> before = gets(paths);

      Node second = node(redis.uri(), "n2", 1, Duration.ofSeconds(5),
          NodeConfig.Ring.DEFAULT_PEER_FILL_TIMEOUT);
      awaitMembers(List.of(first, second), 2);
      List<String> moved = ownedBy(second, paths, 1);
      assertFalse(moved.isEmpty(), "the 2nd node took no path of " + FILES);
      FlightClient toSecond = connect(second);
      for (String path : moved) {
        assertEquals(1_000, rows(toSecond, path), "the new version of " + path);
        assertEquals(before.get(path) + 1, s3.gets(key(path)), "read from S3: " + path);
      }
      assertEquals(0, second.peerFills().fills());
      assertEquals(moved.size(), second.peerFills().staleCopies(), "old copies refused");
    }
  }

  @Test
  void aPeerThatIsDownCostsAFallbackToS3AndNoFailedRead() throws Exception {
    List<String> paths = putFiles("down", sample);
    try (RedisProcess redis = RedisProcess.start()) {
      // A long liveness timeout: the crashed node stays in the ring for the whole test.
      Duration liveness = Duration.ofSeconds(60);
      Node first = node(redis.uri(), "n1", 1, liveness, NodeConfig.Ring.DEFAULT_PEER_FILL_TIMEOUT);
      FlightClient toFirst = connect(first);
      for (String path : paths) {
        assertEquals(ROWS, rows(toFirst, path), path);
      }
      Node second = node(redis.uri(), "n2", 1, liveness, NodeConfig.Ring.DEFAULT_PEER_FILL_TIMEOUT);
      awaitMembers(List.of(first, second), 2);
      stop(first, true); // crashed: still a member in n2's view
      assertEquals(2, second.membership().view().members().size());
      Map<String, Integer> before = gets(paths);
      List<String> moved = ownedBy(second, paths, 1);
      assertFalse(moved.isEmpty(), "the 2nd node took no path of " + FILES);
      FlightClient toSecond = connect(second);
      for (String path : moved) {
        assertEquals(ROWS, rows(toSecond, path), path);
        assertEquals(before.get(path) + 1, s3.gets(key(path)), "read from S3: " + path);
      }
      assertEquals(0, second.peerFills().fills());
      assertTrue(second.peerFills().peerFailures() >= 1, "the peer's failure is counted");
    }
  }

  /**
   * A peer that goes silent in the middle of its copy (a frozen process: its sockets stay open)
   * is given up after --peer-fill-timeout, and the object is read from S3 from the start.
   */
  @Test
  void aPeerThatFreezesMidCopyIsGivenUpForS3() throws Exception {
    FreezableProxy proxy = new FreezableProxy();
    Duration silence = Duration.ofMillis(500);
    Node n2 = start(staticNode("n2", null, List.of(new Member("n1", proxy.uri().toString(), 1)),
        silence));
    Node n1 = start(staticNode("n1", proxy.uri(), List.of(new Member("n2", n2.uri().toString(), 1)),
        silence));
    proxy.target(n1.port());
    track(proxy); // closed first: unblocks the frozen sockets
    String key = java.util.stream.IntStream.range(0, 100).mapToObj(i -> "frozen/file-" + i + ".parquet")
        .filter(k -> n2.membership().view().primary("s3://" + BUCKET + "/" + k).id().equals("n2"))
        .findFirst().orElseThrow();
    String path = putSample(key);
    // n1 caches the file (a DoGet at a node that is not an owner is served all the same).
    FlightClient toN1 = track(FlightClient.builder(clientAllocator(),
        org.apache.arrow.flight.Location.forGrpcInsecure("127.0.0.1", n1.port())).build());
    assertEquals(ROWS, rows(toN1, path));
    assertEquals(1, s3.gets(key));
    proxy.freezeAfter(sampleSize / 2); // n1's copy stops half way, its socket open

    assertEquals(ROWS, rows(connect(n2), path));

    assertEquals(2, s3.gets(key), "read from S3 after the peer froze");
    assertEquals(0, n2.peerFills().fills());
    assertEquals(1, n2.peerFills().peerFailures());
  }

  private NodeConfig staticNode(String id, java.net.URI advertise, List<Member> others,
      Duration peerFillTimeout) {
    NodeConfig base = NodeConfig.loopback(tmp.resolve("cache-" + id), 256 << 20)
        .withS3(s3.config()).withMemoryBytes(0).withId(id);
    NodeConfig.Ring ring = NodeConfig.Ring.standalone();
    return new NodeConfig(base.id(), base.host(), base.port(), advertise, base.localRoot(),
        base.cacheDir(), base.cacheBytes(), base.freshness(), base.missThreads(), base.serving(),
        base.s3(), new NodeConfig.Ring(null, ring.cluster(), ring.livenessTimeout(), 1, 1,
            Duration.ZERO, others, peerFillTimeout));
  }
}
