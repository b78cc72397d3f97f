package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.IstziioClient;
import io.istziio.client.ReadResult;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.ring.Member;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Hot files spread over their owners, cold files stay on their primary: three nodes (static ring,
 * two owners per path) and one routing client, whose rule reads its last 64 requests ({@code
 * OwnerChoice}); the requests each node served are counted by the nodes themselves (the stats
 * action's {@code doGets}).
 */
class LoadSpreadTest extends NodeTestBase {

  /** Reads of the hot file held open at once. */
  private static final int HOT_READS = 8;

  private List<Node> cluster() throws Exception {
    return staticCluster(List.of("n1", "n2", "n3"), 2, 64 << 20);
  }

  private IstziioClient client(List<Node> nodes) throws Exception {
    IstziioClient client = track(IstziioClient.connect(
        nodes.stream().map(n -> n.uri().toString()).toArray(String[]::new)));
    assertTrue(client.awaitFirstTry(Duration.ofSeconds(30)), "the client asked the ring");
    waitUntil(() -> client.view().members().size() == 3);
    return client;
  }

  /** Requests each node has served so far, by location. */
  private static Map<String, Long> served(IstziioClient client, List<Node> nodes) {
    Map<String, Long> served = new HashMap<>();
    for (Node node : nodes) {
      served.put(node.uri().toString(), client.stats(node.uri().toString()).doGets());
    }
    return served;
  }

  private static Map<String, Long> since(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> delta = new HashMap<>();
    after.forEach((node, count) -> delta.put(node, count - before.get(node)));
    return delta;
  }

  /**
   * Starts {@link #HOT_READS} reads of {@code path} one after another, each held open on its first
   * batch until all have started, so that every read chooses its owner with the earlier ones in
   * flight; then lets them finish. Returns the node each read was served by.
   */
  private static List<String> heldReads(IstziioClient client, String path) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(HOT_READS);
    try {
      List<Future<ReadResult>> reads = new ArrayList<>();
      for (int i = 0; i < HOT_READS; i++) {
        CountDownLatch opened = new CountDownLatch(1);
        AtomicLong rows = new AtomicLong();
        reads.add(threads.submit(() -> {
          ReadResult result = client.read(ReadTicket.of(path), batch -> {
            rows.addAndGet(batch.getRowCount());
            opened.countDown();
            if (!release.await(60, TimeUnit.SECONDS)) {
              throw new AssertionError("never released");
            }
          });
          assertEquals(ROWS, rows.get(), "every row of " + path + ", once");
          return result;
        }));
        assertTrue(opened.await(60, TimeUnit.SECONDS), "read " + i + " got its first batch");
      }
      release.countDown();
      List<String> servedBy = new ArrayList<>();
      for (Future<ReadResult> read : reads) {
        ReadResult result = read.get(60, TimeUnit.SECONDS);
        assertEquals(0, result.failovers(), "no read needed a failover");
        servedBy.add(result.servedBy().location());
      }
      return servedBy;
    } finally {
      release.countDown();
      threads.shutdownNow();
    }
  }

  @Test
  void aHotFileReadManyAtOnceIsServedByBothOwners() throws Exception {
    List<Node> nodes = cluster();
    IstziioClient client = client(nodes);
    String hot = putSample("spread/hot.parquet");
    List<Member> owners = client.owners(hot);
    assertEquals(2, owners.size());
    String primary = owners.get(0).location();
    String replica = owners.get(1).location();

    Map<String, Long> before = served(client, nodes);
    List<String> servedBy = heldReads(client, hot);
    Map<String, Long> delta = since(before, served(client, nodes));

    // The rule with 3 nodes and these reads started in turn (OwnerChoiceTest): the first is cold,
    // at the primary; from then on the path is hot and its owners hold more than
    // ceil(1.25 · (w + 1) / 3) of the w requests in the window, so the one with fewer takes the
    // next: they take turns.
    assertEquals(List.of(primary, replica, primary, replica, primary, replica, primary, replica),
        servedBy);
    assertEquals(4L, delta.get(primary), "requests the primary served: " + delta);
    assertEquals(4L, delta.get(replica), "requests the replica served: " + delta);
    assertEquals(HOT_READS, delta.values().stream().mapToLong(Long::longValue).sum(),
        "no other node was asked: " + delta);
  }

  @Test
  void withoutSpreadingEveryReadOfAHotFileGoesToItsPrimary() throws Exception {
    List<Node> nodes = cluster();
    IstziioClient client = client(nodes).withLoadSpread(false);
    String hot = putSample("spread/hot-off.parquet");
    String primary = client.owners(hot).get(0).location();

    Map<String, Long> before = served(client, nodes);
    List<String> servedBy = heldReads(client, hot);
    Map<String, Long> delta = since(before, served(client, nodes));

    assertEquals(java.util.Collections.nCopies(HOT_READS, primary), servedBy);
    assertEquals((long) HOT_READS, delta.get(primary), "requests the primary served: " + delta);
  }

  @Test
  void aFileReadRepeatedlyOneAtATimeSpreadsOverItsOwners() throws Exception {
    List<Node> nodes = cluster();
    IstziioClient client = client(nodes);
    String hot = putSample("spread/repeated.parquet");
    List<Member> owners = client.owners(hot);
    Member primary = owners.get(0);
    Member replica = owners.get(1);

    Map<String, Long> before = served(client, nodes);
    List<Member> servedBy = new ArrayList<>();
    for (int i = 0; i < HOT_READS; i++) { // each read ends before the next starts
      AtomicLong rows = new AtomicLong();
      ReadResult result = client.read(ReadTicket.of(hot), b -> rows.addAndGet(b.getRowCount()));
      assertEquals(ROWS, rows.get());
      servedBy.add(result.servedBy());
    }
    Map<String, Long> delta = since(before, served(client, nodes));

    // No read is in flight when the next starts, but the path is in the window of recent
    // requests: the first read is cold (primary), then the owners take turns as in
    // aHotFileReadManyAtOnceIsServedByBothOwners (OwnerChoiceTest has the numbers).
    assertEquals(List.of(primary, replica, primary, replica, primary, replica, primary, replica),
        servedBy);
    assertEquals(4L, delta.get(primary.location()), "requests the primary served: " + delta);
    assertEquals(4L, delta.get(replica.location()), "requests the replica served: " + delta);
    // What spreading costs: the file is cached on both owners, not on the third node.
    for (Node node : nodes) {
      boolean owner = owners.stream().anyMatch(o -> o.location().equals(node.uri().toString()));
      assertEquals(owner, !client.cached(node.uri().toString(), hot).isEmpty(),
          node.id() + " caches " + hot);
    }
  }

  @Test
  void coldFilesStayOnTheirPrimaryHoweverBusyItIs() throws Exception {
    List<Node> nodes = cluster();
    IstziioClient client = client(nodes);
    // A hot file read first, so that its owners carry the window: a cold file's read still goes
    // to its primary, the busiest node or not.
    String hot = putSample("spread/busy.parquet");
    for (int i = 0; i < HOT_READS; i++) {
      client.read(ReadTicket.of(hot), b -> { });
    }
    List<String> cold = new ArrayList<>();
    Map<String, Long> expected = new HashMap<>();
    nodes.forEach(n -> expected.put(n.uri().toString(), 0L));
    for (int i = 0; i < 12; i++) {
      String path = putSample("spread/cold-" + i + ".parquet");
      cold.add(path);
      expected.merge(client.owners(path).get(0).location(), 1L, Long::sum);
    }

    Map<String, Long> before = served(client, nodes);
    for (String path : cold) { // each read once: none is in the window before its read
      AtomicLong rows = new AtomicLong();
      ReadResult result = client.read(ReadTicket.of(path), b -> rows.addAndGet(b.getRowCount()));
      assertEquals(ROWS, rows.get());
      assertEquals(client.owners(path).get(0), result.servedBy(), path);
    }
    assertEquals(expected, since(before, served(client, nodes)));
    // and no replica holds a copy of any cold file
    for (Node node : nodes) {
      for (String path : cold) {
        boolean primary = client.owners(path).get(0).location().equals(node.uri().toString());
        assertEquals(primary, !client.cached(node.uri().toString(), path).isEmpty(),
            node.id() + " caches " + path);
      }
    }
    assertTrue(expected.values().stream().filter(n -> n > 0).count() > 1,
        "twelve paths spread over more than one primary: " + expected);
  }
}
