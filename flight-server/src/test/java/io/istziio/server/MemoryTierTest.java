package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.data.IstziioData;
import io.istziio.client.data.SampleData;
import io.istziio.client.protocol.NodeStats;
import io.istziio.client.protocol.ReadStats;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.server.cache.CacheKey;
import io.istziio.server.memory.MemoryTier;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.vector.types.pojo.Field;
import org.junit.jupiter.api.Test;

/**
 * The memory tier end to end, through real Flight clients: a hot file is decoded once and served
 * from its cached batches with exactly the rows the disk tier serves, the tier's byte bound holds,
 * and a stream's hold on cached buffers ends with the stream.
 */
class MemoryTierTest extends NodeTestBase {

  private static final List<String> ALL =
      SampleData.SCHEMA.getFields().stream().map(Field::getName).toList();

  /**
   * Puts a 300,000-row × 20 float64 file (48 MB of batches) at {@code key}: far more than the
   * transport buffers for a client that stops reading, so a paused stream of it is still sending.
   */
  private String putLarge(String key, long seed) throws Exception {
    Path file = tmp.resolve(key);
    IstziioData.write(file, seed, 0, 300_000, 32_768);
    s3.put(BUCKET, key, file);
    return "s3://" + BUCKET + "/" + key;
  }

  private NodeConfig memoryConfig(long memoryBytes) {
    return config(64 << 20).withMemoryBytes(memoryBytes);
  }

  @Test
  void aFileIsDecodedOnceByItsFirstReadAndServedFromMemoryAfter() throws Exception {
    String path = putSample("hot.parquet");
    Node node = start(memoryConfig(256 << 20).withBatchRows(4096));
    FlightClient client = connect(node);

    FlightReads.Result first = read(client, path);
    FlightReads.Result fromMemory = read(client, path);

    assertEquals(ReadStats.MEMORY, first.stats().tier(), "the miss is served from its decode");
    assertEquals(ReadStats.MISS, first.stats().cache());
    assertTrue(first.stats().fetchNanos() > 0 && first.stats().scanNanos() > 0);
    assertSampleRows(first.rows(), ALL);
    assertEquals(ReadStats.MEMORY, fromMemory.stats().tier());
    assertEquals(ReadStats.HIT, fromMemory.stats().cache());
    assertEquals(0, fromMemory.stats().fetchNanos());
    assertEquals(0, fromMemory.stats().scanNanos(), "no decode on a hit");
    assertEquals(SampleData.SCHEMA.getFields(), fromMemory.schema().getFields());
    assertSampleRows(fromMemory.rows(), ALL);
    assertEquals(ROWS, fromMemory.stats().rows());
    assertEquals(fromMemory.batches(), fromMemory.stats().batches(), "stats ride on the last batch");
    assertTrue(fromMemory.batches() >= ROWS / 4096, "batches: " + fromMemory.batches());
    NodeStats stats = stats(client);
    assertTrue(stats.memory().hits() >= 1, "memory hits: " + stats.memory().hits());
    assertEquals(1, stats.memory().entries());
    assertTrue(stats.memory().usedBytes() > 0 && stats.memory().usedBytes() <= 256 << 20);
    assertEquals(1, stats.misses(), "one download");
    assertEquals(1, stats.memory().admissions(), "one decode");
    assertEquals(1, s3.gets("hot.parquet"), "hits within the freshness interval ask S3 nothing");
    assertTrue(stats.hitRatio() >= 0.5 && stats.hitRatio() < 1, "hit ratio " + stats.hitRatio());
  }

  @Test
  void streamsBeyondTheCapAreRefusedAndTheNodeServesOn() throws Exception {
    String path = putLarge("capped.parquet", 3); // the paused stream is still sending later
    NodeConfig config = memoryConfig(512 << 20);
    Node node = start(config.withServing(config.serving().withMaxStreams(1)));
    FlightClient client = connect(node);
    warmMemory(node, client, path);

    try (FlightStream paused = client.getStream(ReadTicket.of(path).toFlightTicket())) {
      assertTrue(paused.next()); // the one stream allowed, held open by a client that waits
      var refused = assertStatus(FlightStatusCode.RESOURCE_EXHAUSTED, () -> read(client, path));
      assertTrue(refused.getMessage().contains("--max-streams 1"), refused.getMessage());
      paused.cancel("done", null);
    }
    waitUntil(() -> {
      try {
        return read(client, path).stats().rows() == 300_000;
      } catch (Exception e) {
        return false; // the cancelled stream may not have ended yet
      }
    });
  }

  @Test
  void aProjectionSelectsCachedColumnsInTheOrderAsked() throws Exception {
    String path = putSample("projected-hot.parquet");
    Node node = start(memoryConfig(256 << 20));
    FlightClient client = connect(node);
    warmMemory(node, client, path);

    FlightReads.Result result =
        FlightReads.read(client, ReadTicket.of(path).withColumns(List.of("name", "id")));
    FlightReads.Result none = FlightReads.read(client, ReadTicket.of(path).withColumns(List.of()));

    assertEquals(ReadStats.MEMORY, result.stats().tier());
    assertEquals(List.of("name", "id"),
        result.schema().getFields().stream().map(Field::getName).toList());
    assertSampleRows(result.rows(), List.of("name", "id"));
    assertEquals(ReadStats.MEMORY, none.stats().tier());
    assertEquals(ROWS, none.stats().rows(), "no columns still counts the rows");
  }

  @Test
  void anUnknownColumnOnAMemoryHitIsRefusedAndTheNodeServesOn() throws Exception {
    String path = putSample("unknown-hot.parquet");
    Node node = start(memoryConfig(256 << 20));
    FlightClient client = connect(node);
    warmMemory(node, client, path);

    var error = assertStatus(FlightStatusCode.INVALID_ARGUMENT,
        () -> FlightReads.read(client, ReadTicket.of(path).withColumns(List.of("id", "nope"))));
    assertTrue(error.getMessage().contains("unknown column \"nope\""), error.getMessage());
    assertSampleRows(read(client, path).rows(), ALL);
  }

  @Test
  void theTierNeverHoldsMoreThanItsBound() throws Exception {
    // Decoded, one sample file takes a few MB: room for about two of them.
    Path one = tmp.resolve("one.parquet");
    SampleData.write(one, 20_000, 5_000);
    Node probe = start(memoryConfig(256 << 20));
    FlightClient probeClient = connect(probe);
    s3.put(BUCKET, "probe.parquet", one);
    warmMemory(probe, probeClient, "s3://data/probe.parquet");
    long fileBytes = probe.memory().usedBytes();
    stop(probe);

    long capacity = fileBytes * 5 / 2;
    Node node = start(memoryConfig(capacity).withId("bounded"));
    MemoryTier memory = node.memory();
    FlightClient client = connect(node);
    for (int round = 0; round < 4; round++) {
      for (int file = 0; file < 6; file++) {
        s3.put(BUCKET, "bound-" + file + ".parquet", one);
        read(client, "s3://data/bound-" + file + ".parquet");
        assertTrue(memory.usedBytes() <= capacity, memory.usedBytes() + " > " + capacity);
      }
    }
    warmMemory(node, client, "s3://data/bound-0.parquet"); // the tier does admit files
    assertTrue(memory.usedBytes() <= capacity, memory.usedBytes() + " > " + capacity);
    assertTrue(memory.entries() <= 2, "entries: " + memory.entries());
    waitUntil(() -> memory.allocatedBytes() == memory.usedBytes()); // no stream holds evicted ones
  }

  @Test
  void aCancelledStreamLetsGoOfAnEvictedFile() throws Exception {
    String path = putLarge("wide.parquet", 1); // the stream is still sending when evicted
    Node node = start(memoryConfig(512 << 20));
    FlightClient client = connect(node);
    warmMemory(node, client, path);
    MemoryTier memory = node.memory();
    long admitted = memory.usedBytes();

    try (FlightStream stream = client.getStream(ReadTicket.of(path).toFlightTicket())) {
      assertTrue(stream.next());
      memory.invalidate(new CacheKey(path, memory.keys().get(0).etag()));
      assertEquals(0, memory.usedBytes(), "evicted from the tier at once");
      assertEquals(admitted, memory.allocatedBytes(), "the stream still holds its buffers");
      stream.cancel("done", null);
    }
    waitUntil(() -> memory.allocatedBytes() == 0);
  }

  @Test
  void aClientWithGrpcsDefaultMessageLimitReadsAWideFileFromBothTiers() throws Exception {
    Path wide = tmp.resolve("wide.parquet");
    IstziioData.write(wide, 7, 0, 100_000, 100_000); // 100,000 rows × 20 float64: 16 MB
    s3.put(BUCKET, "wide4.parquet", wide);
    String path = "s3://data/wide4.parquet";
    Node diskNode = start(config(64 << 20)); // memory tier off
    Node memoryNode = start(NodeConfig.loopback(tmp.resolve("memory-cache"), 64 << 20)
        .withS3(s3.config()).withMemoryBytes(512 << 20));
    FlightClient fromDisk = track(FlightClient.builder(clientAllocator(), diskNode.location())
        .maxInboundMessageSize(4 << 20).build());
    FlightClient fromMemory = track(FlightClient.builder(clientAllocator(), memoryNode.location())
        .maxInboundMessageSize(4 << 20).build());

    ReadStats disk = read(fromDisk, path).stats();
    warmMemory(memoryNode, fromMemory, path);
    ReadStats memory = read(fromMemory, path).stats();

    assertEquals(ReadStats.DISK, disk.tier());
    assertEquals(100_000, disk.rows());
    assertEquals(ReadStats.MEMORY, memory.tier());
    assertEquals(100_000, memory.rows());
    assertTrue(memory.batches() >= 16_000_000 / (4 << 20), "batches: " + memory.batches());
  }
}
