package io.istziio.server.metrics;

import com.sun.net.httpserver.HttpServer;
import io.istziio.ring.Membership;
import io.istziio.server.cache.DiskCache;
import io.istziio.server.flight.NodeProducer;
import io.istziio.server.flight.StreamSpool;
import io.istziio.server.memory.MemoryTier;
import io.istziio.server.parquet.NativeMemory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;

/**
 * A node's meters, in a Micrometer Prometheus registry, served as Prometheus text at
 * {@code http://host:port/metrics} when the port is not 0. Meters over counters the node already
 * keeps (the caches, the memory tier, the allocator, the ring) read those counters when scraped;
 * only what nothing else counts (requests, DoGet times, bytes and rows served) is counted here.
 * The names are listed in README.md, "Metrics".
 */
public final class NodeMetrics implements AutoCloseable {

  /** The documented default of {@code --metrics-port}: Prometheus' convention for exporters. */
  public static final int DEFAULT_PORT = 9464;

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer firstBatch;
  private final Timer total;
  private final Counter servedBytes;
  private final Counter servedRows;
  private final Counter rowGroupsSkipped;
  private HttpServer http;

  public NodeMetrics() {
    firstBatch = Timer.builder("istziio.doget.first.batch")
        .description("DoGet: time from the call to its first record batch sent")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(1))
        .register(registry);
    total = Timer.builder("istziio.doget.duration")
        .description("DoGet: time from the call to its end, whatever its status")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10))
        .register(registry);
    servedBytes = Counter.builder("istziio.served.bytes")
        .description("Arrow buffer bytes of the record batches DoGet sent").register(registry);
    servedRows = Counter.builder("istziio.served.rows")
        .description("rows of the record batches DoGet sent").register(registry);
    rowGroupsSkipped = Counter.builder("istziio.row.groups.skipped")
        .description("row groups DoGet's filters skipped by their statistics").register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Binds the meters of the slow clients' spool. */
  public void bind(StreamSpool spool) {
    Gauge.builder("istziio.spool.bytes", spool, StreamSpool::usedBytes)
        .description("bytes of slow clients' rows spooled to disk now").baseUnit("bytes")
        .register(registry);
    FunctionCounter.builder("istziio.spooled.streams", spool,
            StreamSpool::spooledStreams)
        .description("disk-tier streams whose slow client had their rows spooled to disk")
        .register(registry);
  }

  /** Binds the meters of the warm hand-off (misses filled from peers' copies). */
  public void bind(io.istziio.server.handoff.PeerFillStore peerFills) {
    FunctionCounter.builder("istziio.peer.fills", peerFills,
            io.istziio.server.handoff.PeerFillStore::fills)
        .description("misses filled from a peer's copy (same ETag as S3) instead of S3")
        .register(registry);
    FunctionCounter.builder("istziio.peer.fill.bytes", peerFills,
            io.istziio.server.handoff.PeerFillStore::fillBytes)
        .description("bytes of the objects filled from peers' copies").register(registry);
    FunctionCounter.builder("istziio.peer.fill.skips", peerFills,
            io.istziio.server.handoff.PeerFillStore::staleCopies)
        .description("peer copies not taken, by reason: etag (another version than S3's), "
            + "failed (the peer failed, refused or was silent past --peer-fill-timeout)")
        .tag("reason", "etag").register(registry);
    FunctionCounter.builder("istziio.peer.fill.skips", peerFills,
            io.istziio.server.handoff.PeerFillStore::peerFailures)
        .description("peer copies not taken, by reason: etag (another version than S3's), "
            + "failed (the peer failed, refused or was silent past --peer-fill-timeout)")
        .tag("reason", "failed").register(registry);
  }

  /** Binds the meters that read the node's own counters; the node holds every object named. */
  public void bind(DiskCache disk, MemoryTier memory, BufferAllocator allocator,
      ThreadPoolExecutor streams, NodeProducer producer, Membership membership) {
    tier(disk, "disk", DiskCache::hits, DiskCache::misses, DiskCache::evictions,
        DiskCache::usedBytes, DiskCache::capacityBytes, DiskCache::entries);
    tier(memory, "memory", MemoryTier::hits, MemoryTier::misses, MemoryTier::evictions,
        MemoryTier::usedBytes, MemoryTier::capacityBytes, MemoryTier::entries);
    Gauge.builder("istziio.cache.pinned.bytes", disk, DiskCache::pinnedBytes)
        .description("bytes of pinned copies, which size pressure never evicts (part of used)")
        .tag("tier", "disk").register(registry);
    Gauge.builder("istziio.cache.pinned.entries", disk, DiskCache::pinnedEntries)
        .description("pinned copies the tier holds").tag("tier", "disk").register(registry);
    FunctionCounter.builder("istziio.cache.bypasses", disk, DiskCache::bypasses)
        .description("DoGets of objects too large for the tier, read without caching")
        .tag("tier", "disk").register(registry);
    FunctionCounter.builder("istziio.store.downloads", disk, DiskCache::downloads)
        .description("object-store downloads started").register(registry);
    FunctionCounter.builder("istziio.store.read.bytes", disk, DiskCache::downloadedBytes)
        .description("bytes of objects downloaded (from the store, or handed off by peers)")
        .register(registry);
    Gauge.builder("istziio.store.downloads.in.flight", disk, DiskCache::downloadsInFlight)
        .description("downloads under way").register(registry);
    for (String kind : DiskCache.FAILURE_KINDS) {
      FunctionCounter.builder("istziio.store.errors", disk, d -> d.downloadFailures(kind))
          .description("downloads that failed, by kind: a Flight status, IO or OTHER")
          .tag("kind", kind).register(registry);
    }
    Gauge.builder("istziio.streams.active", streams, ThreadPoolExecutor::getActiveCount)
        .description("DoGet streams being sent, by tier").tag("tier", "disk").register(registry);
    Gauge.builder("istziio.streams.active", producer, NodeProducer::memoryStreamsRunning)
        .description("DoGet streams being sent, by tier").tag("tier", "memory").register(registry);
    Gauge.builder("istziio.streams.queued", streams, s -> s.getQueue().size())
        .description("disk DoGet streams waiting for a stream thread").register(registry);
    Gauge.builder("istziio.arrow.allocated.bytes", allocator, BufferAllocator::getAllocatedMemory)
        .description("Arrow memory the node holds").register(registry);
    Gauge.builder("istziio.native.allocated.bytes", NativeMemory::reservedBytes)
        .description("memory Arrow Dataset's native scanners hold").strongReference(true)
        .register(registry);
    Gauge.builder("istziio.ring.epoch", membership, m -> m.view().epoch())
        .description("the epoch of the node's ring view").register(registry);
    Gauge.builder("istziio.ring.members", membership, m -> m.view().members().size())
        .description("members in the node's ring view").register(registry);
  }

  private <T> void tier(T tier, String name, java.util.function.ToDoubleFunction<T> hits,
      java.util.function.ToDoubleFunction<T> misses, java.util.function.ToDoubleFunction<T> evictions,
      java.util.function.ToDoubleFunction<T> used, java.util.function.ToDoubleFunction<T> capacity,
      java.util.function.ToDoubleFunction<T> entries) {
    FunctionCounter.builder("istziio.cache.hits", tier, hits)
        .description("DoGets served from the tier").tag("tier", name).register(registry);
    FunctionCounter.builder("istziio.cache.misses", tier, misses)
        .description("DoGets the tier could not serve").tag("tier", name).register(registry);
    FunctionCounter.builder("istziio.cache.evictions", tier, evictions)
        .description("objects evicted to make room").tag("tier", name).register(registry);
    Gauge.builder("istziio.cache.used.bytes", tier, used)
        .description("bytes the tier holds").tag("tier", name).register(registry);
    Gauge.builder("istziio.cache.capacity.bytes", tier, capacity)
        .description("the tier's bound in bytes, as resize last set it").tag("tier", name)
        .register(registry);
    Gauge.builder("istziio.cache.entries", tier, entries)
        .description("objects the tier holds").tag("tier", name).register(registry);
  }

  /**
   * Counts a record batch a DoGet sent; the first also records the time to it.
   *
   * @param startNanos {@link System#nanoTime} when the call started
   */
  public void batchSent(long startNanos, boolean first, long rows, long bytes) {
    if (first) {
      firstBatch.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }
    servedRows.increment(rows);
    servedBytes.increment(bytes);
  }

  /**
   * Serves {@code /metrics} on the port; 0 serves nothing, a negative port any free one. Returns
   * the port bound.
   */
  public int serve(String host, int port) throws IOException {
    if (port == 0) {
      return 0;
    }
    http = HttpServer.create(new InetSocketAddress(host, Math.max(port, 0)), 0);
    http.createContext("/metrics", exchange -> {
      try (exchange) {
        if (!exchange.getRequestMethod().equals("GET")) {
          exchange.sendResponseHeaders(405, -1);
          return;
        }
        byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    });
    http.start();
    return http.getAddress().getPort();
  }

  @Override
  public void close() {
    if (http != null) {
      http.stop(0);
    }
    registry.close();
  }

  /** Counts row groups a DoGet's filter skipped by their statistics. */
  public void rowGroupsSkipped(long count) {
    rowGroupsSkipped.increment(count);
  }

  /**
   * Counts a Flight call by method and final status when it ends, and times it if it is a DoGet.
   *
   * @param method gRPC's name of the call's method (DoGet, GetFlightInfo...)
   * @param status the Flight status code's name (OK, NOT_FOUND, CANCELLED...)
   */
  public void callEnded(String method, boolean doGet, String status, long nanos) {
    Counter.builder("istziio.flight.requests")
        .description("Flight calls by method and final status")
        .tag("method", method).tag("status", status)
        .register(registry).increment();
    if (doGet) {
      total.record(nanos, TimeUnit.NANOSECONDS);
    }
  }
}
