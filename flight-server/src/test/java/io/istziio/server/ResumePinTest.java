package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.IstziioClient;
import io.istziio.client.ReadResult;
import io.istziio.client.data.SampleData;
import io.istziio.client.protocol.Failures;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.ring.Member;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.vector.BigIntVector;
import org.junit.jupiter.api.Test;

/**
 * Issue 10: a read that resumes on a replica after its stream broke must not splice two versions
 * of an object. Two nodes, two owners per path; n1, the primary of the paths used, is reached
 * through a {@link FreezableProxy} that freezes after the first batch, once the object has been
 * overwritten in S3 with a version of fewer rows.
 */
class ResumePinTest extends NodeTestBase {

  private static final int ROWS_A = 200_000;
  private static final int ROWS_B = 150_000;

  private FreezableProxy proxy;
  private IstziioClient client;
  private Node n2;
  private Path versionA;
  private Path versionB;

  private void startCluster() throws Exception {
    FreezableProxy created = new FreezableProxy();
    URI n1Location = created.uri();
    n2 = start(config("n2", null, List.of(new Member("n1", n1Location.toString(), 1))));
    Node n1 = start(config("n1", n1Location, List.of(new Member("n2", n2.uri().toString(), 1))));
    created.target(n1.port());
    client = track(IstziioClient.connect(n2.uri().toString())).withStallTimeout(Duration.ofSeconds(1));
    proxy = track(created); // closed first: unblocks n1's stuck stream
    versionA = tmp.resolve("a.parquet");
    SampleData.write(versionA, ROWS_A, 20_000);
    versionB = tmp.resolve("b.parquet");
    SampleData.write(versionB, ROWS_B, 20_000);
  }

  private NodeConfig config(String id, URI advertise, List<Member> others) {
    NodeConfig base = NodeConfig.loopback(tmp.resolve("cache-" + id), 256 << 20)
        .withS3(s3.config()).withMemoryBytes(0).withBatchRows(1000).withId(id);
    // No hand-off: a miss on n2 would first wait out the silence of frozen n1, as long as the
    // client's stall timeout; these tests are about the version a resume reads.
    NodeConfig.Ring ring = NodeConfig.Ring.standalone().withReplicas(2)
        .withPeerFillTimeout(java.time.Duration.ZERO);
    return new NodeConfig(base.id(), base.host(), base.port(), advertise, base.localRoot(),
        base.cacheDir(), base.cacheBytes(), base.freshness(), base.missThreads(), base.serving(),
        base.s3(), new NodeConfig.Ring(ring.redis(), ring.cluster(), ring.livenessTimeout(),
            ring.weight(), ring.replicas(), ring.drain(), others, ring.peerFillTimeout()));
  }

  /** The key of the first path whose primary in the client's view is n1. */
  private String keyOwnedByN1() {
    for (int i = 0; i < 100; i++) {
      String key = "resume/file-" + i + ".parquet";
      if (client.view().primary("s3://" + BUCKET + "/" + key).id().equals("n1")) {
        return key;
      }
    }
    throw new AssertionError("no path of 100 has n1 as its primary");
  }

  /** Reads {@code path}, overwriting it with {@code next} and freezing n1 after the first batch. */
  private ReadResult readOverwritingMidStream(String key, Path next, int[] seen) throws Exception {
    AtomicInteger batches = new AtomicInteger();
    proxy.freezeAfter(1 << 20); // the stream cannot get through before the freeze
    return client.read(ReadTicket.of("s3://" + BUCKET + "/" + key).withColumns(List.of("id")),
        batch -> {
          if (batches.getAndIncrement() == 0) {
            s3.put(BUCKET, key, next);
            proxy.freeze();
          }
          BigIntVector ids = (BigIntVector) batch.getVector("id");
          for (int i = 0; i < batch.getRowCount(); i++) {
            seen[(int) ids.get(i)]++;
          }
        });
  }

  @Test
  void aResumeOnANodeWithoutTheFirstVersionFailsNamingBothAndDeliversNoOtherVersion()
      throws Exception {
    startCluster();
    String key = keyOwnedByN1();
    String path = "s3://" + BUCKET + "/" + key;
    s3.put(BUCKET, key, versionA);
    String etagA = s3.etag(BUCKET, key, versionA);
    int[] seen = new int[ROWS_A];

    var e = assertStatus(FlightStatusCode.NOT_FOUND, () -> readOverwritingMidStream(key, versionB, seen));

    assertTrue(Failures.isVersionGone(e), "marked as the version's, not the object's");
    String etagB = s3.etag(BUCKET, key, versionB);
    assertEquals(path + " changed during the read: it began on version " + etagA
        + ", S3 now holds " + etagB + "; read it again from the start", e.status().description());
    int delivered = 0;
    for (int id = 0; id < ROWS_A; id++) {
      assertTrue(seen[id] <= 1, "row " + id + " delivered twice");
      delivered += seen[id];
    }
    assertTrue(delivered > 0 && delivered < ROWS_A, "only version A's first rows: " + delivered);
  }

  /**
   * n2 still serves version A within its freshness interval; the read began on n1 with version B,
   * so its resume on n2 must read B (fetched for it), not A's rows after B's.
   */
  @Test
  void aResumeOnANodeThatKnowsAnOlderVersionReadsThePinnedOne() throws Exception {
    startCluster();
    String key = keyOwnedByN1();
    String path = "s3://" + BUCKET + "/" + key;
    s3.put(BUCKET, key, versionA);
    assertEquals(ROWS_A, read(connect(n2), path).rows().size(), "n2 holds version A");
    s3.put(BUCKET, key, versionB);
    int[] seen = new int[ROWS_A];

    ReadResult result = readOverwritingMidStream(key, versionB, seen);

    assertEquals("n2", result.servedBy().id());
    assertEquals(ROWS_B, result.rows());
    for (int id = 0; id < ROWS_A; id++) {
      assertEquals(id < ROWS_B ? 1 : 0, seen[id], "times row " + id + " was delivered");
    }
    assertEquals(s3.etag(BUCKET, key, versionB), result.stats().version());
  }
}
