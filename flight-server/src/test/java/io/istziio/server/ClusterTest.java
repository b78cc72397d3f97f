package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.ClientSecurity;
import io.istziio.client.FlightClientPool;
import io.istziio.client.IstziioClient;
import io.istziio.client.ReadResult;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.client.protocol.RingState;
import io.istziio.client.data.SampleData;
import io.istziio.ring.Member;
import io.istziio.ring.RingView;
import io.istziio.ring.testing.RedisCluster;
import io.istziio.ring.testing.RedisProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.Location;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three nodes, thirty files, real Redis: requests go straight to owners, a crashed node is routed
 * around without a failed read, a fourth node takes about a quarter of the files, and a Redis
 * outage changes nothing for readers.
 */
class ClusterTest extends NodeTestBase {

  private static final Duration LIVENESS = Duration.ofMillis(1500);
  private static final int FILES = 30;
  private static final int FILE_ROWS = 2_000;
  private final List<String> paths = new ArrayList<>();

  @BeforeEach
  void putFiles() {
    Path file = tmp.resolve("small.parquet");
    SampleData.write(file, FILE_ROWS, 1_000);
    for (int i = 0; i < FILES; i++) {
      s3.put(BUCKET, "cluster/file-" + i + ".parquet", file);
      paths.add("s3://data/cluster/file-" + i + ".parquet");
    }
  }

  private Node node(String redis, String id) throws Exception {
    NodeConfig.Ring ring = NodeConfig.Ring.standalone()
        .withRedis(redis, "test", LIVENESS).withReplicas(2);
    return start(NodeConfig.loopback(tmp.resolve("cache-" + id), 64 << 20).withS3(s3.config())
        .withId(id).withRing(ring).withSecurity(nodeSecurity()));
  }

  /**
   * A client that starts every read at its path's primary: these tests check placement and
   * routing, and read each file more than once, which would make the files hot and let load
   * spreading start a read at a replica (LoadSpreadTest covers that).
   */
  private IstziioClient client(String redis) throws Exception {
    IstziioClient client = IstziioClient.connectRedis(redis, "test", 2, clientSecurity())
        .withStallTimeout(stallTimeout()).withLoadSpread(false);
    track(client);
    return client;
  }

  // Hooks for a variant of these tests with TLS and tokens (SecureClusterTest): the Redis the
  // nodes share, and how nodes and clients protect their calls. Here: none of it.

  RedisProcess startRedis() throws Exception {
    return RedisProcess.start();
  }

  RedisCluster startRedisCluster() throws Exception {
    return RedisCluster.start(3);
  }

  NodeConfig.Security nodeSecurity() throws Exception {
    return NodeConfig.Security.none();
  }

  ClientSecurity clientSecurity() throws Exception {
    return ClientSecurity.none();
  }

  Duration stallTimeout() {
    return IstziioClient.DEFAULT_STALL_TIMEOUT;
  }

  private static Set<String> ids(RingView view) {
    return view.members().stream().map(Member::id).collect(Collectors.toSet());
  }

  private static long waitUntil(BooleanSupplier condition, Duration limit) throws InterruptedException {
    long start = System.nanoTime();
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() - start < limit.toNanos(), "not within " + limit);
      Thread.sleep(10);
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  private static ReadResult read(IstziioClient client, String path) throws Exception {
    AtomicLong rows = new AtomicLong();
    ReadResult result = client.read(ReadTicket.of(path), batch -> rows.addAndGet(batch.getRowCount()));
    assertEquals(FILE_ROWS, rows.get(), path);
    return result;
  }

  private static String stackTrace(Throwable t) {
    java.io.StringWriter out = new java.io.StringWriter();
    t.printStackTrace(new java.io.PrintWriter(out));
    return out.toString().lines().limit(12).collect(java.util.stream.Collectors.joining("\n"));
  }

  private long misrouted(IstziioClient client, List<Node> nodes) {
    return nodes.stream().mapToLong(n -> client.stats(n.uri().toString()).misroutedDoGets()).sum();
  }

  @Test
  void everyFileIsServedByItsPrimaryWithNoRedirection() throws Exception {
    try (RedisProcess redis = startRedis()) {
      everyFileIsServedByItsPrimary(redis.uri());
    }
  }

  /**
   * A node answers from a complete view as soon as it is started: it used to answer GetFlightInfo
   * with itself as the only owner until its first refresh read the other members.
   */
  @Test
  void aStartedNodeAlreadySeesTheMembersBeforeIt() throws Exception {
    try (RedisProcess redis = startRedis()) {
      Node first = node(redis.uri(), "n1");
      Node second = node(redis.uri(), "n2");
      assertEquals(Set.of("n1", "n2"), ids(second.membership().view()),
          "the view of a node whose start has returned");
      assertTrue(ids(first.membership().view()).contains("n1"));
    }
  }

  @Test
  void theSameRingWorksOnARedisCluster() throws Exception {
    try (RedisCluster redis = startRedisCluster()) {
      everyFileIsServedByItsPrimary(redis.uri());
    }
  }

  private void everyFileIsServedByItsPrimary(String redis) throws Exception {
    List<Node> nodes = List.of(node(redis, "n1"), node(redis, "n2"), node(redis, "n3"));
    IstziioClient client = client(redis);
    waitUntil(() -> client.view().members().size() == 3, Duration.ofSeconds(10));
    for (Node node : nodes) {
      waitUntil(() -> node.membership().view().members().size() == 3, Duration.ofSeconds(10));
    }

    for (int round = 0; round < 2; round++) {
      for (String path : paths) {
        ReadResult result = read(client, path);
        assertEquals(client.view().primary(path), result.servedBy(), path);
        assertEquals(0, result.failovers());
        assertEquals(round == 0 ? "miss" : "hit", result.stats().cache(), path);
      }
    }
    assertEquals(0, misrouted(client, nodes), "no DoGet reached a node that does not own its file");

    // GetFlightInfo on any node names the owners, primary first, as the client computes them.
    RingView view = client.view();
    // Through a pool, which speaks TLS and sends the token when the variant asks for them.
    FlightClientPool flights = track(new FlightClientPool(clientAllocator(), clientSecurity()));
    for (Node asked : nodes) {
      FlightClient flight = flights.get(asked.location());
      for (String path : paths.subList(0, 6)) {
        FlightInfo info = flight.getInfo(FlightDescriptor.path(path));
        List<Location> expected = view.owners(path, 2).stream()
            .map(m -> new Location(java.net.URI.create(m.location()))).toList();
        assertEquals(expected, info.getEndpoints().get(0).getLocations(), path + " asked of " + asked.id());
        assertEquals(FILE_ROWS, info.getRecords());
      }
    }
    // A node asked about a path it does not own asked the owner (owner-flight-info, a call between
    // nodes) instead of downloading the object itself: no node holds a file it does not own.
    for (Node node : nodes) {
      for (io.istziio.server.cache.DiskCache.Entry entry : node.disk().snapshot("")) {
        assertTrue(view.owners(entry.key().path(), 2).stream().anyMatch(m -> m.id().equals(node.id())),
            node.id() + " downloaded " + entry.key().path() + ", which it does not own");
      }
    }
    RingState ring = client.ring(nodes.get(0).uri().toString());
    assertEquals("redis", ring.source());
    assertEquals(Set.of("n1", "n2", "n3"), ids(ring.view()));
  }

  @Test
  void aCrashedNodeIsRoutedAroundWithoutAFailedRead() throws Exception {
    try (RedisProcess redis = startRedis()) {
      Node n1 = node(redis.uri(), "n1");
      Node n2 = node(redis.uri(), "n2");
      Node n3 = node(redis.uri(), "n3");
      IstziioClient client = client(redis.uri());
      waitUntil(() -> client.view().members().size() == 3, Duration.ofSeconds(10));
      for (String path : paths) {
        read(client, path); // warm every primary
      }

      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong reads = new AtomicLong();
      List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
      CompletableFuture<Void> loop = CompletableFuture.runAsync(() -> {
        while (!stop.get()) {
          for (String path : paths) {
            try {
              read(client, path);
              reads.incrementAndGet();
            } catch (Throwable t) {
              failures.add(t);
            }
          }
        }
      });
      Thread.sleep(300);
      stop(n2, true); // no goodbye: its entry runs out
      long clientSaw = waitUntil(() -> !ids(client.view()).contains("n2"), LIVENESS.multipliedBy(3));
      waitUntil(() -> !ids(n1.membership().view()).contains("n2"), LIVENESS.multipliedBy(3));
      waitUntil(() -> !ids(n3.membership().view()).contains("n2"), LIVENESS.multipliedBy(3));
      long before = reads.get();
      waitUntil(() -> reads.get() > before + 2 * FILES, Duration.ofSeconds(30));
      stop.set(true);
      loop.get();

      System.out.printf("n2 dropped from the client's view %d ms after the crash (timeout %d ms); "
          + "%d reads, %d failed%n", clientSaw, LIVENESS.toMillis(), reads.get(), failures.size());
      assertEquals(List.of(), failures, () -> "no read failed through the crash; the first: "
          + stackTrace(failures.get(0)));
      for (String path : paths) {
        assertTrue(Set.of("n1", "n3").contains(read(client, path).servedBy().id()));
      }
    }
  }

  @Test
  void aFourthNodeTakesAboutAQuarterOfTheFiles() throws Exception {
    try (RedisProcess redis = startRedis()) {
      node(redis.uri(), "n1");
      node(redis.uri(), "n2");
      node(redis.uri(), "n3");
      IstziioClient client = client(redis.uri());
      waitUntil(() -> client.view().members().size() == 3, Duration.ofSeconds(10));
      RingView three = client.view();

      node(redis.uri(), "n4");
      waitUntil(() -> client.view().members().size() == 4, Duration.ofSeconds(10));
      RingView four = client.view();

      int moved = 0;
      for (String path : paths) {
        Member now = four.primary(path);
        if (!now.equals(three.primary(path))) {
          assertEquals("n4", now.id(), "files move only to the new node");
          moved++;
        }
        assertEquals(now, read(client, path).servedBy());
      }
      long synthetic = IntStream.range(0, 20_000).mapToObj(i -> "s3://data/p-" + i + ".parquet")
          .filter(p -> !three.primary(p).equals(four.primary(p))).count();
      System.out.printf("a fourth node took %d of %d files, %.1f%% of 20,000 paths%n", moved,
          FILES, synthetic / 200.0);
      assertEquals(0.25, synthetic / 20_000.0, 0.02);
      assertTrue(moved >= 2 && moved <= 14, moved + " of 30 files moved");
    }
  }

  @Test
  void readsGoOnThroughARedisOutageAndMembershipRecovers() throws Exception {
    try (RedisProcess redis = startRedis()) {
      List<Node> nodes = List.of(node(redis.uri(), "n1"), node(redis.uri(), "n2"), node(redis.uri(), "n3"));
      IstziioClient client = client(redis.uri());
      waitUntil(() -> client.view().members().size() == 3, Duration.ofSeconds(10));
      Map<String, Member> primaries = new HashMap<>();
      for (String path : paths) {
        primaries.put(path, read(client, path).servedBy());
      }

      redis.stop();
      waitUntil(() -> !nodes.get(0).membership().reachable(), Duration.ofSeconds(5));
      Thread.sleep(LIVENESS.toMillis() * 2);
      for (String path : paths) {
        assertEquals(primaries.get(path), read(client, path).servedBy(), "same owner with the last view");
      }
      assertEquals(3, client.view().members().size());

      redis.restart(); // empty
      waitUntil(() -> nodes.stream().allMatch(n -> n.membership().reachable()), Duration.ofSeconds(15));
      IstziioClient fresh = client(redis.uri()); // sees only what is in Redis now
      waitUntil(() -> ids(fresh.view()).equals(Set.of("n1", "n2", "n3")), Duration.ofSeconds(10));
      for (String path : paths) {
        assertEquals(primaries.get(path), read(fresh, path).servedBy());
      }
      assertEquals(0, misrouted(fresh, nodes));
    }
  }
}
