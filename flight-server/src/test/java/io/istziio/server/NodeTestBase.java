package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.istziio.client.data.SampleData;
import io.istziio.client.protocol.Actions;
import io.istziio.client.protocol.NodeStats;
import io.istziio.client.protocol.ReadTicket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.Result;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real S3-compatible server holding real Parquet files, and nodes with real Flight clients.
 * Every node and client a test opens is closed after it; closing an allocator that still holds
 * memory throws, so a leak fails the test that caused it.
 */
abstract class NodeTestBase {

  static final String BUCKET = "data";
  /** Rows of the sample file: several row groups of {@link #ROWS_PER_GROUP}. */
  static final int ROWS = 50_000;
  static final int ROWS_PER_GROUP = 8_000;

  @TempDir static Path shared;
  static S3Server s3;
  static Path sample;
  static long sampleSize;

  @TempDir Path tmp;
  private final List<AutoCloseable> opened = new ArrayList<>();
  BufferAllocator clientAllocator;

  @BeforeAll
  static void startS3() throws Exception {
    s3 = new S3Server(Files.createDirectories(shared.resolve("s3")));
    s3.createBucket(BUCKET);
    sample = shared.resolve("sample.parquet");
    SampleData.write(sample, ROWS, ROWS_PER_GROUP);
    sampleSize = Files.size(sample);
  }

  @AfterAll
  static void stopS3() throws Exception {
    s3.close();
  }

  /** Puts a copy of the sample file at a fresh key and returns its s3:// path. */
  static String putSample(String key) {
    s3.put(BUCKET, key, sample);
    return "s3://" + BUCKET + "/" + key;
  }

  /**
   * A node on loopback with the test S3; its memory tier is off, so that reads come from the disk
   * tier whatever a background decode is doing. Tests of the memory tier turn it on.
   */
  NodeConfig config(long cacheBytes) {
    return NodeConfig.loopback(tmp.resolve("cache"), cacheBytes).withS3(s3.config())
        .withMemoryBytes(0);
  }

  /**
   * Reads {@code path} until the memory tier holds it: the first read goes to the disk tier, which
   * offers the file to a background decode. Waits up to 30 s, then fails.
   */
  static void warmMemory(Node node, FlightClient client, String path) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!node.memory().holds(path)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the memory tier never admitted " + path);
      }
      read(client, path);
      Thread.sleep(20);
    }
  }

  /**
   * Nodes that know each other from a static member list (no Redis), each on a free loopback port
   * with a cache of its own under the test's directory.
   */
  List<Node> staticCluster(List<String> ids, int replicas, long cacheBytes) throws Exception {
    List<io.istziio.ring.Member> members = new ArrayList<>();
    for (String id : ids) {
      members.add(new io.istziio.ring.Member(id, "grpc+tcp://127.0.0.1:" + freeLoopbackPort(), 1));
    }
    List<Node> nodes = new ArrayList<>();
    for (io.istziio.ring.Member member : members) {
      NodeConfig base = config(cacheBytes);
      int port = java.net.URI.create(member.location()).getPort();
      NodeConfig.Ring ring = new NodeConfig.Ring(null, "default",
          java.time.Duration.ofSeconds(3), 1, replicas, java.time.Duration.ZERO, members);
      nodes.add(start(new NodeConfig(member.id(), base.host(), port, null, null,
          tmp.resolve("cache-" + member.id()), base.cacheBytes(), base.freshness(),
          base.missThreads(), base.serving(), base.s3(), ring)));
    }
    return nodes;
  }

  static int freeLoopbackPort() throws java.io.IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  Node start(NodeConfig config) throws Exception {
    Node node = Node.start(config);
    opened.add(node);
    return node;
  }

  /** Stops a node before the test ends; {@code crash}: without leaving the ring. */
  void stop(Node node, boolean crash) throws Exception {
    opened.remove(node);
    if (crash) {
      node.halt();
    } else {
      node.close();
    }
  }

  void stop(Node node) throws Exception {
    stop(node, false);
  }

  /** Closes {@code resource} after the test, before the nodes. */
  <T extends AutoCloseable> T track(T resource) {
    opened.add(resource);
    return resource;
  }

  BufferAllocator clientAllocator() {
    if (clientAllocator == null) {
      clientAllocator = new RootAllocator();
    }
    return clientAllocator;
  }

  FlightClient connect(Node node) {
    FlightClient client = FlightClient.builder(clientAllocator(), node.location()).build();
    opened.add(client);
    return client;
  }

  @AfterEach
  void closeAll() throws Exception {
    // Clients first, then nodes (in reverse order of opening), then the client allocator.
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
    opened.clear();
    if (clientAllocator != null) {
      clientAllocator.close();
    }
  }

  /** Polls {@code condition} until it holds; fails after 30 s. For effects that come later. */
  static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 30 s");
      }
      Thread.sleep(10);
    }
  }

  /** {@link #read}, for lambdas that cannot throw checked exceptions. */
  static FlightReads.Result uncheckedRead(FlightClient client, String path) {
    try {
      return read(client, path);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static FlightReads.Result read(FlightClient client, String path) throws Exception {
    return FlightReads.read(client, ReadTicket.of(path));
  }

  static NodeStats stats(FlightClient client) {
    Iterator<Result> results = client.doAction(new Action(Actions.STATS));
    NodeStats stats = NodeStats.fromJson(results.next().getBody());
    results.forEachRemaining(r -> { });
    return stats;
  }

  static FlightRuntimeException assertStatus(FlightStatusCode code, ThrowingRunnable call) {
    FlightRuntimeException e = assertThrows(FlightRuntimeException.class, call::run);
    assertEquals(code, e.status().code(), () -> "status of: " + e.getMessage());
    assertNotNull(e.status().description());
    return e;
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  /** Checks every row against the values the sample generator computes from the row's id. */
  static void assertSampleRows(List<Map<String, Object>> rows, List<String> columns) {
    assertEquals(ROWS, rows.size(), "row count");
    for (int i = 0; i < rows.size(); i++) {
      Map<String, Object> row = rows.get(i);
      assertEquals(columns, List.copyOf(row.keySet()), "columns of row " + i);
      long id = i; // the scan preserves file order
      for (String column : columns) {
        assertEquals(expected(column, id), row.get(column), column + " of row " + id);
      }
    }
  }

  static Object expected(String column, long row) {
    return switch (column) {
      case "id" -> SampleData.id(row);
      case "small" -> SampleData.small(row);
      case "score" -> SampleData.score(row);
      case "name" -> SampleData.name(row);
      case "flag" -> SampleData.flag(row);
      case "day" -> SampleData.day(row);
      case "ts" -> SampleData.ts(row);
      case "unit price" -> SampleData.unitPrice(row);
      default -> throw new IllegalArgumentException(column);
    };
  }
}
