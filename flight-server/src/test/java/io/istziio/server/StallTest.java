package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.IstziioClient;
import io.istziio.client.ReadResult;
import io.istziio.client.data.SampleData;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.ring.Member;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.Location;
import org.apache.arrow.vector.BigIntVector;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: a frozen owner (SIGSTOP: connections open, nothing answers) must not stall readers.
 * Two nodes, two owners per path; node n1 is reached only through a {@link FreezableProxy}, which
 * is also the location it advertises, so every call to n1 can be frozen.
 */
class StallTest extends NodeTestBase {

  private static final int FILE_ROWS = 200_000;
  private static final Duration STALL = Duration.ofSeconds(1);

  private FreezableProxy proxy;
  private IstziioClient client;
  private Node n2;

  /** Starts n2, then n1 behind the proxy, and a client seeded with n2 only. */
  private void startCluster() throws Exception {
    FreezableProxy created = new FreezableProxy();
    URI n1Location = created.uri();
    n2 = start(config("n2", null, List.of(new Member("n1", n1Location.toString(), 1))));
    Node n1 = start(config("n1", n1Location, List.of(new Member("n2", n2.uri().toString(), 1))));
    created.target(n1.port());
    client = track(IstziioClient.connect(n2.uri().toString()))
        .withStallTimeout(STALL).withCallTimeout(STALL);
    // Closed first (opened last): its sockets closing unblocks n1's stuck stream and the client.
    proxy = track(created);
    assertEquals(2, client.view().members().size());
  }

  private NodeConfig config(String id, URI advertise, List<Member> others) {
    return config(id, advertise, others, 2);
  }

  private NodeConfig config(String id, URI advertise, List<Member> others, int replicas) {
    NodeConfig base = NodeConfig.loopback(tmp.resolve("cache-" + id), 256 << 20)
        .withS3(s3.config()).withMemoryBytes(0).withBatchRows(1000).withId(id);
    // No hand-off: n2's miss would first wait out frozen n1's silence (--peer-fill-timeout, as
    // long as this client's stall timeout); HandoffTest covers a peer that is down.
    NodeConfig.Ring ring = NodeConfig.Ring.standalone().withReplicas(replicas)
        .withPeerFillTimeout(Duration.ZERO);
    return new NodeConfig(base.id(), base.host(), base.port(), advertise, base.localRoot(),
        base.cacheDir(), base.cacheBytes(), base.freshness(), base.missThreads(), base.serving(),
        base.s3(), new NodeConfig.Ring(ring.redis(), ring.cluster(), ring.livenessTimeout(),
            ring.weight(), ring.replicas(), ring.drain(), others, ring.peerFillTimeout()));
  }

  /** Puts {@code file} at the first key whose primary in the client's view is n1. */
  private String putOwnedByN1(Path file) {
    for (int i = 0; i < 100; i++) {
      String path = "s3://" + BUCKET + "/stall/file-" + i + ".parquet";
      if (client.view().primary(path).id().equals("n1")) {
        s3.put(BUCKET, "stall/file-" + i + ".parquet", file);
        return path;
      }
    }
    throw new AssertionError("no path of 100 has n1 as its primary");
  }

  @Test
  void aReadFromAFrozenOwnerGoesOnAtTheReplicaWithEveryRowOnce() throws Exception {
    startCluster();
    Path file = tmp.resolve("large.parquet");
    SampleData.write(file, FILE_ROWS, 20_000);
    String path = putOwnedByN1(file);

    int[] seen = new int[FILE_ROWS];
    AtomicInteger batches = new AtomicInteger();
    // The stream (many MB) cannot get through before the freeze whatever the client buffers.
    proxy.freezeAfter(1 << 20);
    ReadResult result = client.read(ReadTicket.of(path).withColumns(List.of("id")), batch -> {
      if (batches.getAndIncrement() == 0) {
        proxy.freeze(); // n1 stops mid-stream, its connections open
      }
      BigIntVector ids = (BigIntVector) batch.getVector("id");
      for (int i = 0; i < batch.getRowCount(); i++) {
        seen[(int) ids.get(i)]++;
      }
    });

    for (int id = 0; id < FILE_ROWS; id++) {
      assertEquals(1, seen[id], "times row " + id + " was delivered");
    }
    assertEquals(FILE_ROWS, result.rows());
    assertEquals("n2", result.servedBy().id(), "the replica finished the read");
    assertEquals(1, result.failovers(), "after giving up on n1");
  }

  @Test
  void aReadWhoseEveryOwnerStalledSaysSo() throws Exception {
    startCluster();
    Path file = tmp.resolve("large.parquet");
    SampleData.write(file, FILE_ROWS, 20_000);
    String path = putOwnedByN1(file);
    IstziioClient primaryOnly = track(IstziioClient.connect(1, n2.uri().toString()))
        .withStallTimeout(STALL);
    proxy.freezeAfter(1 << 20);

    var e = assertStatus(FlightStatusCode.UNAVAILABLE,
        () -> primaryOnly.read(ReadTicket.of(path), batch -> proxy.freeze()));
    assertEquals("no owner of " + path + " could be reached; tried n1 (stalled: no data for 1 s "
        + "and no answer to a ping within 1 s)", e.status().description());
  }

  /**
   * A CI run's failure: on a starved machine a cold miss took longer than the stall timeout and
   * the read gave up on a node that was only slow. The owner's download is held for three stall
   * timeouts: the node answers the client's pings meanwhile, so the read waits for it.
   */
  @Test
  void aSlowOwnerThatAnswersPingsIsWaitedFor() throws Exception {
    startCluster();
    Duration stall = Duration.ofSeconds(2); // the ping's deadline too: a loaded machine meets it
    client.withStallTimeout(stall);
    String path = putOwnedByN1(sample);
    s3.holdGets();
    Thread release = new Thread(() -> {
      try {
        Thread.sleep(3 * stall.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      s3.releaseGets();
    });
    release.start();
    try {
      long started = System.nanoTime();
      ReadResult result = client.read(ReadTicket.of(path), batch -> { });

      assertEquals(ROWS, result.rows());
      assertEquals("n1", result.servedBy().id(), "the primary, slow but alive, served it");
      assertEquals(0, result.failovers());
      assertTrue(System.nanoTime() - started >= 3 * stall.toNanos(), "the read outlasted the hold");
    } finally {
      s3.releaseGets();
      release.join();
    }
  }

  /**
   * Found by a reviewer: a node asked GetFlightInfo about a path it does not own asks the owner,
   * and waited 30 s for a frozen one, past every client's deadline. One owner per path here, so
   * n2 owns none of n1's paths; it pings n1 after its first wait, gets no answer, and answers from
   * its own download well within the client's 10 s.
   */
  @Test
  void aNodeAskedAboutAFrozenOwnersPathAnswersWithinTheClientsDeadline() throws Exception {
    FreezableProxy frozen = new FreezableProxy();
    Node single = start(config("n2", null,
        List.of(new Member("n1", frozen.uri().toString(), 1)), 1));
    Node owner = start(config("n1", frozen.uri(),
        List.of(new Member("n2", single.uri().toString(), 1)), 1));
    frozen.target(owner.port());
    proxy = track(frozen);
    IstziioClient routing = track(IstziioClient.connect(single.uri().toString()));
    String path = null;
    for (int i = 0; i < 100 && path == null; i++) {
      String candidate = "s3://" + BUCKET + "/stall/info-" + i + ".parquet";
      if (routing.view().primary(candidate).id().equals("n1")) {
        s3.put(BUCKET, "stall/info-" + i + ".parquet", sample);
        path = candidate;
      }
    }
    assertTrue(path != null, "a path n1 owns");
    proxy.freeze();

    FlightInfo info = connect(single).getInfo(FlightDescriptor.path(path),
        org.apache.arrow.flight.CallOptions.timeout(10, java.util.concurrent.TimeUnit.SECONDS));

    assertEquals(ROWS, info.getRecords(), "n2 answered from its own copy");
  }

  @Test
  void infoFromAFrozenOwnerGoesToTheReplica() throws Exception {
    startCluster();
    String path = putOwnedByN1(sample);
    // n2 answers from its cache, and within a deadline that a loaded machine still meets: the
    // test is about n1's timeout, not about how fast n2 downloads.
    connect(n2).getInfo(FlightDescriptor.path(path));
    client.withCallTimeout(Duration.ofSeconds(5));
    proxy.freeze();

    FlightInfo info = client.info(ReadTicket.of(path));

    assertEquals(ROWS, info.getRecords(), "n2 answered");
    List<Location> owners = info.getEndpoints().get(0).getLocations();
    assertEquals(proxy.uri(), owners.get(0).getUri(), "n1 is still the primary");
    assertTrue(owners.size() == 2);
  }
}
