package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.data.SampleData;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.ring.Member;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.CallOptions;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * GetFlightInfo on a miss answers from the Parquet footer alone, read with ranged GETs, while the
 * whole object downloads in the background (issue 11's reviewer: a cold info of 217 MB at
 * 15 MB/s outlasted the client's 10 s deadline). The whole-object GETs are held at the S3 client
 * ({@link S3Server#holdWholeGets}), so an info that waited for the download would never answer.
 */
class FooterInfoTest extends NodeTestBase {

  /** Far longer than a footer read takes, far shorter than a held download. */
  private static final CallOption DEADLINE = CallOptions.timeout(20, TimeUnit.SECONDS);

  @AfterEach
  void releaseS3() {
    s3.releaseGets();
    s3.beforeRangedGet(null);
  }

  @Test
  void aMissIsAnsweredFromTheFooterWhileTheDownloadIsHeldAndTheDoGetJoinsIt() throws Exception {
    String key = "footer/cold.parquet";
    String path = putSample(key);
    Node node = start(config(64 << 20));
    FlightClient client = connect(node);
    ReadTicket projected = ReadTicket.of(path).withColumns(List.of("id", "name"));
    s3.holdWholeGets();

    FlightInfo cold = client.getInfo(FlightDescriptor.path(path), DEADLINE);
    FlightInfo coldProjected = client.getInfo(FlightDescriptor.command(projected.toJsonBytes()),
        DEADLINE);

    assertEquals(ROWS, cold.getRecords());
    assertEquals(1, node.disk().downloadsInFlight(), "the info started the download");
    assertEquals(0, s3.gets(key), "the download is still held: the info did not wait for it");
    assertEquals(2, s3.rangedGets(key), "the tail, then the first 4 bytes; the second info none");
    CompletableFuture<FlightReads.Result> read =
        CompletableFuture.supplyAsync(() -> uncheckedRead(client, path));
    s3.releaseGets();
    assertEquals(ROWS, read.get(60, TimeUnit.SECONDS).rows().size());
    waitUntil(() -> node.disk().downloadsInFlight() == 0);
    assertEquals(1, s3.gets(key), "one whole-object download for the info and the read");

    FlightInfo warm = client.getInfo(FlightDescriptor.path(path), DEADLINE);
    FlightInfo warmProjected = client.getInfo(FlightDescriptor.command(projected.toJsonBytes()),
        DEADLINE);
    assertSameDescription(warm, cold);
    assertSameDescription(warmProjected, coldProjected);
    assertEquals(2, coldProjected.getSchemaOptional().orElseThrow().getFields().size());
    assertEquals(1, s3.gets(key), "warm infos download nothing");
  }

  @Test
  void aFooterLongerThanTheTailIsReadInParts() throws Exception {
    // A row group per 10 rows: thousands of column chunks' metadata, a footer of several 100 KiB.
    Path file = tmp.resolve("long-footer.parquet");
    SampleData.write(file, 40_000, 10);
    String key = "footer/long-footer.parquet";
    s3.put(BUCKET, key, file);
    String path = "s3://" + BUCKET + "/" + key;
    Node node = start(config(64 << 20));
    FlightClient client = connect(node);
    s3.holdWholeGets();

    FlightInfo cold = client.getInfo(FlightDescriptor.path(path), DEADLINE);

    assertEquals(3, s3.rangedGets(key), "the tail, the first 4 bytes, the footer's beginning");
    s3.releaseGets();
    waitUntil(() -> node.disk().downloadsInFlight() == 0);
    assertSameDescription(client.getInfo(FlightDescriptor.path(path), DEADLINE), cold);
    assertEquals(40_000, cold.getRecords());
    assertEquals(1, s3.gets(key));
  }

  @Test
  void aLocalFileIsDescribedFromItsFooterToo() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root"));
    Files.copy(sample, root.resolve("local.parquet"));
    String path = root.resolve("local.parquet").toUri().toString();
    Node node = start(config(64 << 20).withLocalRoot(root));
    FlightClient client = connect(node);

    FlightInfo cold = client.getInfo(FlightDescriptor.path(path), DEADLINE);
    waitUntil(() -> node.disk().entries() == 1); // the background copy
    FlightInfo warm = client.getInfo(FlightDescriptor.path(path), DEADLINE);

    assertSameDescription(warm, cold);
    assertEquals(1, node.disk().hits(), "the second info found the copy the first one started");
  }

  /**
   * An info pinned to a version (as a resumed read's ticket is) answers from that version's footer,
   * and one pinned to a version S3 no longer holds gets the DoGet's answer: NOT_FOUND marked as the
   * version's.
   */
  @Test
  void aPinnedInfoIsAnsweredForItsVersionOnly() throws Exception {
    String key = "footer/pinned.parquet";
    String path = putSample(key);
    String etag = s3.etag(BUCKET, key, sample);
    FlightClient client = connect(start(config(64 << 20)));
    s3.holdWholeGets();

    FlightInfo pinned = client.getInfo(FlightDescriptor.command(
        ReadTicket.of(path).withVersion(etag).toJsonBytes()), DEADLINE);
    byte[] gone = ReadTicket.of(path).withVersion("\"gone\"").toJsonBytes();
    FlightRuntimeException onInfo = assertStatus(FlightStatusCode.NOT_FOUND,
        () -> client.getInfo(FlightDescriptor.command(gone), DEADLINE));
    s3.releaseGets();
    FlightRuntimeException onGet = assertStatus(FlightStatusCode.NOT_FOUND, () -> {
      try (FlightStream stream = client.getStream(new org.apache.arrow.flight.Ticket(gone))) {
        stream.next();
      }
    });

    assertEquals(ROWS, pinned.getRecords());
    assertTrue(io.istziio.client.protocol.Failures.isVersionGone(onInfo), onInfo.toString());
    assertEquals(onGet.status().description(), onInfo.status().description());
  }

  /**
   * The object is replaced between the tail's read and the next ranged read: that read's If-Match
   * fails, and the footer is read again from the new version's tail.
   */
  @Test
  void anObjectReplacedBetweenItsRangedReadsIsDescribedAtItsNewVersion() throws Exception {
    String key = "footer/replaced.parquet";
    String path = putSample(key);
    Path smaller = tmp.resolve("smaller.parquet");
    SampleData.write(smaller, 1_000, 500);
    FlightClient client = connect(start(config(64 << 20)));
    java.util.concurrent.atomic.AtomicInteger ranged = new java.util.concurrent.atomic.AtomicInteger();
    s3.beforeRangedGet(request -> {
      if (request.key().equals(key) && ranged.incrementAndGet() == 2) {
        s3.put(BUCKET, key, smaller); // after the tail, before the first 4 bytes
      }
    });

    FlightInfo info = client.getInfo(FlightDescriptor.path(path), DEADLINE);

    assertEquals(1_000, info.getRecords(), "the new version's footer");
    assertEquals(3, ranged.get(), "the tail, the refused first 4 bytes, the new version's tail");
    assertEquals(1_000, read(client, path).rows().size());
  }

  static Stream<Arguments> notParquet() throws Exception {
    byte[] text = "id,name\n1,a\n".repeat(10_000).getBytes(StandardCharsets.UTF_8); // > the tail
    return Stream.of(
        Arguments.of("text longer than the tail", text,
            "is not a Parquet file (no PAR1 magic bytes)"),
        Arguments.of("text shorter than the tail", "id,name\n1,a\n2,b\n".getBytes(StandardCharsets.UTF_8),
            "is not a Parquet file (no PAR1 magic bytes)"),
        Arguments.of("fewer than 8 bytes", "PAR1".getBytes(StandardCharsets.US_ASCII),
            "is not a Parquet file (no PAR1 magic bytes)"),
        Arguments.of("empty", new byte[0], "is not a Parquet file (no PAR1 magic bytes)"),
        Arguments.of("cut short", null,
            "is damaged: its Parquet footer is unreadable (it does not end with PAR1 magic bytes: cut short?)"));
  }

  /**
   * The info reads the footer only, the DoGet downloads and checks the whole copy: both answer the
   * same status and message, and the info downloaded nothing.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("notParquet")
  void anObjectThatIsNotParquetGetsTheSameAnswerWithoutADownload(String name, byte[] bytes,
      String message) throws Exception {
    if (bytes == null) {
      byte[] whole = Files.readAllBytes(sample);
      bytes = Arrays.copyOf(whole, whole.length / 2);
    }
    String key = "footer/bad-" + name.replace(' ', '-') + ".parquet";
    s3.put(BUCKET, key, bytes);
    String path = "s3://" + BUCKET + "/" + key;
    FlightClient client = connect(start(config(64 << 20)));
    byte[] ticket = ReadTicket.of(path).toJsonBytes();

    FlightRuntimeException onInfo = assertStatus(FlightStatusCode.INVALID_ARGUMENT,
        () -> client.getInfo(FlightDescriptor.command(ticket), DEADLINE));
    assertEquals(0, s3.gets(key), "the info downloaded nothing");
    FlightRuntimeException onGet = assertStatus(FlightStatusCode.INVALID_ARGUMENT, () -> {
      try (FlightStream stream = client.getStream(new org.apache.arrow.flight.Ticket(ticket))) {
        stream.next();
      }
    });

    assertEquals(path + " " + message + "; " + (message.startsWith("is not")
            ? "point the ticket at a .parquet object" : "write the object again"),
        onInfo.status().description());
    assertEquals(onGet.status().description(), onInfo.status().description());
    assertEquals(ROWS, read(client, putSample("footer/good.parquet")).rows().size(),
        "the node serves the next file");
  }

  /**
   * A node that does not own the path asks the owner, which answers from the footer and starts the
   * download; the asking node downloads nothing.
   */
  @Test
  void aNonOwnerForwardsToTheOwnerWhichAnswersFromTheFooter() throws Exception {
    List<Node> nodes = staticCluster(List.of("a", "b"), 1, 64 << 20);
    Node asked = nodes.get(0);
    String key = null;
    for (int i = 0; i < 100 && key == null; i++) {
      String candidate = "footer/forwarded-" + i + ".parquet";
      List<Member> owners = asked.membership().view().owners("s3://" + BUCKET + "/" + candidate, 1);
      key = owners.get(0).id().equals("b") ? candidate : null;
    }
    assertTrue(key != null, "a path that b owns");
    String path = putSample(key);
    Node owner = nodes.get(1);
    s3.holdWholeGets();

    FlightInfo info = connect(asked).getInfo(FlightDescriptor.path(path), DEADLINE);

    assertEquals(ROWS, info.getRecords());
    assertEquals(owner.location(), info.getEndpoints().get(0).getLocations().get(0));
    assertEquals(1, owner.disk().downloadsInFlight(), "the owner downloads it");
    assertEquals(0, asked.disk().downloadsInFlight(), "the asked node does not");
    s3.releaseGets();
    assertEquals(ROWS, read(connect(owner), path).rows().size());
    assertEquals(1, s3.gets(key));
  }

  private static void assertSameDescription(FlightInfo expected, FlightInfo actual) {
    assertEquals(expected.getSchemaOptional(), actual.getSchemaOptional(), "schema");
    assertEquals(expected.getRecords(), actual.getRecords(), "total_records");
    assertEquals(expected.getBytes(), actual.getBytes(), "total_bytes");
    assertEquals(expected.getEndpoints(), actual.getEndpoints(), "endpoints");
  }
}
