package io.istziio.server;

import io.istziio.client.FlightClientPool;
import io.istziio.ring.Member;
import io.istziio.ring.Membership;
import io.istziio.ring.RedisMembership;
import io.istziio.ring.RingHistory;
import io.istziio.server.handoff.PeerCandidates;
import io.istziio.server.handoff.PeerFillStore;
import io.istziio.ring.StaticMembership;
import io.istziio.server.dataset.DatasetLister;
import io.istziio.server.cache.DiskCache;
import io.istziio.server.calls.CallInterceptor;
import io.istziio.server.calls.CallRecord;
import io.istziio.server.cache.ObjectCache;
import io.istziio.server.flight.AdminActions;
import io.istziio.server.flight.NodeProducer;
import io.istziio.server.flight.StreamSpool;
import io.istziio.client.ClientSecurity;
import io.istziio.ring.RedisAuth;
import io.istziio.server.security.TlsFiles;
import io.istziio.server.security.TokenAuth;
import io.istziio.server.security.TokenStore;
import io.istziio.server.metrics.NodeMetrics;
import io.istziio.server.parquet.ParquetFooter;
import io.istziio.server.store.LocalObjectStore;
import io.istziio.server.store.ObjectStores;
import io.istziio.server.store.S3ObjectStore;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import io.istziio.server.memory.MemoryTier;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import io.grpc.netty.NettyServerBuilder;
import org.apache.arrow.dataset.jni.JniLoader;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One istziio node: a Flight server in front of the disk cache and the object stores. Closing it
 * stops the server, waits for running calls, and closes its allocator, which fails loudly if any
 * Arrow memory leaked.
 */
public final class Node implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Node.class);

  /** Stack of the threads that run Arrow Dataset scans (see the stream executor). */
  private static final long NATIVE_STACK_BYTES = 16 << 20;
  /** Past ring views kept for the hand-off: a few changes in a row (a rolling restart) are covered. */
  private static final int RING_VIEWS_KEPT = 3;
  /** Peers a miss asks for their copy, one after the other, before it reads S3. */
  private static final int MAX_PEERS_ASKED = 3;

  private final String id;
  private final Location location;
  private final BufferAllocator allocator;
  private final ObjectStores stores;
  private final ExecutorService missExecutor;
  private final ExecutorService revalidateExecutor;
  private final ExecutorService streamExecutor;
  private final DiskCache disk;
  private final MemoryTier memory;
  private final StreamSpool spool;
  private final FlightClientPool peers;
  private final PeerFillStore peerFills;
  // The views before the last ring changes: where a path's previous owners are.
  private final RingHistory ringHistory = new RingHistory(RING_VIEWS_KEPT);
  private final FlightServer server;
  private final Membership membership;
  private final Duration drain;
  private final NodeMetrics metrics;
  private final int metricsPort;
  private final NodeHealth health = new NodeHealth();
  // The first close() runs it; later calls (a drain, then the shutdown hook) wait for it to end.
  private final AtomicBoolean closing = new AtomicBoolean();
  private final CountDownLatch closed = new CountDownLatch(1);

  private Node(NodeConfig config) throws Exception {
    // Arrow Dataset unpacks its native library (about 80 MB) on first use: do it before serving,
    // not inside the first requests.
    JniLoader.get().ensureLoaded();
    TransportLogs.install();
    List<AutoCloseable> started = new ArrayList<>(); // closed in reverse if the start fails
    try {
      allocator = started(started, new RootAllocator());
      stores = started(started, new ObjectStores(new S3ObjectStore(config.s3()),
          config.localRoot() != null ? new LocalObjectStore(config.localRoot()) : null));
      missExecutor = Executors.newFixedThreadPool(config.missThreads(), daemonThreads("istziio-miss"));
      started.add(missExecutor::shutdownNow);
      // Background revalidations (HEADs): a few threads, at most one task per stale path; when the
      // queue is full the refresh is refused and tried again on a later read.
      revalidateExecutor = new ThreadPoolExecutor(2, 2, 0, TimeUnit.MILLISECONDS,
          new ArrayBlockingQueue<>(4096), daemonThreads("istziio-revalidate"));
      started.add(revalidateExecutor::shutdownNow);
      NodeConfig.Serving serving = config.serving();
      // Disk streams wait on their clients, so each has a thread, up to --max-streams of them;
      // as many more wait in the queue, and beyond that a DoGet is refused. Memory hits need no
      // thread (see MemoryStream).
      // 16 MiB stacks: Arrow C++ runs the scan's filter recursively on the calling thread, and a
      // 1,500-term filter overflowed the default 1 MiB (SIGSEGV); see FilterParser.MAX_TERMS.
      ThreadPoolExecutor streams = new ThreadPoolExecutor(serving.maxStreams(),
          serving.maxStreams(), 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(serving.maxStreams()),
          daemonThreads("istziio-stream", NATIVE_STACK_BYTES));
      streams.allowCoreThreadTimeOut(true);
      streamExecutor = streams;
      started.add(streamExecutor::shutdownNow);
      metrics = started(started, new NodeMetrics());
      disk = started(started, new DiskCache(config.cacheDir(), config.cacheBytes(), missExecutor));
      memory = started(started, new MemoryTier(allocator, serving));
      spool = new StreamSpool(config.cacheDir().resolve("spool"), serving.spoolBytes());
      NodeConfig.Security security = config.security();
      TokenStore tokens = security.tokenFile() != null ? TokenStore.load(security.tokenFile()) : null;
      peers = started(started, new FlightClientPool(allocator, peerSecurity(security, tokens)));
      NodeConfig.Ring ring = config.ring();
      // With port 0 the node's identity is known only once the server has bound its port, and
      // the membership after that; until then the producer sees the placeholders.
      AtomicReference<Member> self = new AtomicReference<>();
      AtomicReference<Membership> members = new AtomicReference<>(new StaticMembership(List.of()));
      // Misses ask the path's previous owners (and other owners) for their copy before S3.
      peerFills = new PeerFillStore(stores, new PeerCandidates(self::get,
          new DeferredMembership(members), ringHistory, ring.replicas(), MAX_PEERS_ASKED),
          peers, ring.peerFillTimeout());
      ObjectCache objects = new ObjectCache(peerFills, disk, config.freshness(), revalidateExecutor,
          (path, file) -> ParquetFooter.read(file, path.uri()), memory::invalidate);
      // Only a node in a Redis ring waits out the drain period (see close()).
      Duration drainPeriod = ring.redis() != null ? ring.drain() : Duration.ZERO;
      NodeProducer producer = new NodeProducer(new NodeProducer.Parts(self::get, allocator, objects,
          disk, memory, new DeferredMembership(members), ring.replicas(), peers, serving,
          streamExecutor, spool, new DatasetLister(stores, config.freshness()),
          new AdminActions.Settings(stores, config.missThreads(), drainPeriod,
              this::closeInBackground)));
      Location listen = security.tls() ? Location.forGrpcTls(config.host(), config.port())
          : Location.forGrpcInsecure(config.host(), config.port());
      // One consumer of the gRPC builder (a second hint would replace the first): the health
      // service, and what tells each call's record its peer and a cancel.
      Consumer<NettyServerBuilder> grpc = netty -> {
        health.addTo(netty);
        netty.intercept(new CallInterceptor());
      };
      // Each call's record, its meters and its request line (see CallRecord): the first middleware.
      FlightServer.Builder builder = FlightServer.builder(allocator, listen, producer)
          .transportHint("grpc.builderConsumer", grpc)
          .middleware(CallRecord.KEY, CallRecord.factory(metrics));
      if (security.tls()) {
        builder.useTls(security.tlsCert().toFile(), security.tlsKey().toFile());
      }
      if (tokens != null) {
        builder.middleware(TokenAuth.KEY, TokenAuth.factory(tokens, CallRecord.refusals(metrics)));
      }
      server = started(started, builder.build());
      server.start();
      location = config.advertise() != null
          ? new Location(config.advertise())
          : security.tls() ? Location.forGrpcTls(config.host(), server.getPort())
          : Location.forGrpcInsecure(config.host(), server.getPort());
      id = config.id() != null ? config.id() : config.host() + ":" + server.getPort();
      Member member = new Member(id, location.getUri().toString(), ring.weight());
      self.set(member);
      membership = joinRing(ring, security.redis(), member);
      started.add(membership);
      ringHistory.follow(membership);
      members.set(membership);
      drain = ring.drain();
      metrics.bind(disk, memory, allocator, streams, producer, membership);
      metrics.bind(peerFills);
      metrics.bind(spool);
      metricsPort = metrics.serve(config.host(), config.metricsPort());
      // The disk cache was loaded above, and joinRing waited (up to the liveness timeout) for a
      // complete ring view.
      health.servingOnceViewed(membership);
    } catch (Exception e) {
      Collections.reverse(started);
      AutoCloseables.close(e, started);
      throw e;
    }
    NodeConfig.Security security = config.security();
    LOG.info("node {} serving at {} (cache {} of {} bytes in {}; ring: {}; {})", id, location,
        disk.usedBytes(), disk.capacityBytes(), config.cacheDir(), membership.source(),
        security.tokenFile() != null ? "tokens from " + security.tokenFile()
            : "no token needed: open to anyone who reaches the port");
    if (security.tokenFile() != null && !security.tls()) {
      LOG.warn("tokens are checked but travel in clear text: serve TLS (--tls-cert, --tls-key) "
          + "where the network is not trusted");
    }
  }

  /**
   * How the node calls its peers: trusting {@code --tls-ca} (else its own certificate chain) and
   * sending its token file's peer token, asked at each call so that a reload applies.
   */
  private static ClientSecurity peerSecurity(NodeConfig.Security security, TokenStore tokens) {
    if (tokens != null && !tokens.hasPeerToken()) {
      LOG.warn("{} has no node or admin token: this node cannot call its peers' internal actions "
          + "(it then reads the objects it does not own itself)", security.tokenFile());
    }
    ClientSecurity peers = tokens != null ? ClientSecurity.none().withToken(tokens::peerToken)
        : ClientSecurity.none();
    return security.peerCa() != null ? peers.withTrustedCertificates(security.peerCa()) : peers;
  }

  private static Membership joinRing(NodeConfig.Ring ring, RedisAuth redisAuth, Member self) {
    if (ring.redis() == null) {
      List<Member> members = new ArrayList<>(ring.staticMembers());
      members.removeIf(m -> m.id().equals(self.id()));
      members.add(self);
      return new StaticMembership(members);
    }
    RedisMembership membership = RedisMembership.watch(new RedisMembership.Settings(ring.redis(),
        ring.cluster(), ring.livenessTimeout(), redisAuth));
    membership.join(self);
    // Serve from a complete view: until the first read of the members, this node knows only
    // itself and would answer GetFlightInfo with itself as every path's only owner.
    try {
      if (!membership.awaitView(ring.livenessTimeout())) {
        LOG.warn("no ring view from Redis at {} within {} ms; serving with this node alone until "
            + "it answers", RedisAuth.redact(ring.redis()), ring.livenessTimeout().toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return membership;
  }

  private static <T extends AutoCloseable> T started(List<AutoCloseable> started, T resource) {
    started.add(resource);
    return resource;
  }

  /** Starts a node; it serves until closed. */
  public static Node start(NodeConfig config) throws Exception {
    NodeConfig.Serving serving = config.serving();
    if (config.ring().peerFillTimeout().isNegative()) {
      throw new IllegalArgumentException("--peer-fill-timeout must be >= 0 (0: no hand-off); got "
          + config.ring().peerFillTimeout().toMillis());
    }
    if (serving.memoryBytes() < 0 || serving.batchRows() <= 0 || serving.batchBytes() <= 0
        || serving.maxStreams() <= 0 || serving.spoolBytes() < 0) {
      throw new IllegalArgumentException("--memory-size and --spool-size must be >= 0 and --batch-rows, "
          + "--batch-bytes and --max-streams > 0; got " + serving);
    }
    checkSecurity(config);
    if (config.advertise() == null && isWildcard(config.host())) {
      throw new IllegalArgumentException("listening on " + config.host() + " needs --advertise: "
          + "the address clients should use, such as "
          + (config.security().tls() ? "grpc+tls" : "grpc+tcp") + "://node1.example.com:8815");
    }
    return new Node(config);
  }

  /** Refuses half or wrong TLS settings before anything starts, saying what to fix. */
  private static void checkSecurity(NodeConfig config) {
    NodeConfig.Security security = config.security();
    if ((security.tlsCert() == null) != (security.tlsKey() == null)) {
      throw new IllegalArgumentException("TLS needs both --tls-cert and --tls-key; got only "
          + (security.tlsCert() != null ? "--tls-cert" : "--tls-key"));
    }
    if (security.tls()) {
      TlsFiles.check(security.tlsCert(), security.tlsKey());
      if (config.advertise() != null && !"grpc+tls".equals(config.advertise().getScheme())) {
        throw new IllegalArgumentException("--advertise " + config.advertise() + ": a node "
            + "serving TLS is reached at a grpc+tls:// location");
      }
    }
    if (security.tlsCa() != null) {
      TlsFiles.certificates(security.tlsCa(), "--tls-ca");
    }
  }

  private static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
  }

  public String id() {
    return id;
  }

  public Location location() {
    return location;
  }

  public URI uri() {
    return location.getUri();
  }

  /** The port the server listens on, which differs from the location's behind a proxy. */
  public int port() {
    return server.getPort();
  }

  /** The port of the node's /metrics page; 0 when it serves none. */
  public int metricsPort() {
    return metricsPort;
  }

  public DiskCache disk() {
    return disk;
  }

  public MemoryTier memory() {
    return memory;
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  public Membership membership() {
    return membership;
  }

  /** The store misses read through, with the warm hand-off's counters. */
  public PeerFillStore peerFills() {
    return peerFills;
  }

  /**
   * Reports NOT_SERVING to health checks, leaves the ring, keeps serving for the drain period so
   * that clients see it go, then stops taking calls, finishes the running streams, and closes
   * everything. Closing the allocator fails loudly if any Arrow memory leaked. Only the first call
   * does it; a later one (the shutdown hook after a drain action) waits until it is done.
   */
  @Override
  public void close() throws Exception {
    if (!closing.compareAndSet(false, true)) {
      closed.await();
      return;
    }
    try {
      health.draining(); // first: health checkers stop sending clients here before the ring does
      if (membership instanceof RedisMembership redis) {
        redis.close(true);
        if (!drain.isZero()) {
          Thread.sleep(drain.toMillis());
        }
      } else {
        membership.close();
      }
      stop();
      LOG.info("node {} stopped", id);
    } finally {
      closed.countDown();
    }
  }

  /**
   * The drain action's way out: {@link #close} on a thread of its own, so that the action's answer
   * leaves first; {@code awaitTermination} returns when the server has stopped.
   */
  private void closeInBackground() {
    Thread closer = new Thread(() -> {
      try {
        close();
      } catch (Exception e) {
        LOG.error("node {} did not stop cleanly after a drain", id, e);
      }
    }, "istziio-drain");
    closer.start();
  }

  /**
   * Stops at once without leaving the ring, as a crash would: running streams are cut, and the
   * other members drop this one when its liveness entry runs out.
   */
  public void halt() throws Exception {
    if (!closing.compareAndSet(false, true)) {
      closed.await();
      return;
    }
    try {
      if (membership instanceof RedisMembership redis) {
        redis.close(false);
      }
      server.shutdown(); // no new calls
      streamExecutor.shutdownNow(); // running streams end with UNAVAILABLE
      server.close();
      stop();
      LOG.info("node {} halted", id);
    } finally {
      closed.countDown();
    }
  }

  private void stop() throws Exception {
    health.stopped(); // before the shutdown, so that health watchers hear it while connected
    server.shutdown(); // no new calls; running streams finish, their downloads included
    if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
      LOG.warn("calls still running after 10 s; closing anyway");
    }
    streamExecutor.shutdown();
    if (!streamExecutor.awaitTermination(10, TimeUnit.SECONDS)) {
      LOG.warn("streams still running after 10 s; closing anyway");
      streamExecutor.shutdownNow();
    }
    disk.close(); // after the streams: it closes the Parquet files they share
    missExecutor.shutdownNow();
    revalidateExecutor.shutdownNow();
    // The server first: closing it cancels the memory streams still running (they hold no
    // thread), so that the memory tier, closed after, finds its batches released.
    AutoCloseables.close(server, metrics, memory, peers, stores);
    awaitReleased(allocator, RELEASE_WAIT_MILLIS);
    allocator.close(); // reports any buffer still held: a leak
  }

  /**
   * Waits until {@code allocator} holds no memory, at most {@code millis}. Batches written without
   * a copy (spooled ones, see SpooledRows) are released by gRPC's event loops when it has written
   * them, which may come just after the server's close returns (apache/arrow-java#152: a Flight
   * server's allocator can show buffers at close that are released a moment later).
   */
  private static void awaitReleased(BufferAllocator allocator, long millis)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (allocator.getAllocatedMemory() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }

  /** How long a closing node waits for gRPC to release the buffers it was sending. */
  private static final long RELEASE_WAIT_MILLIS = 5_000;

  private static ThreadFactory daemonThreads(String prefix) {
    return daemonThreads(prefix, 0); // 0: the JVM's default stack size
  }

  private static ThreadFactory daemonThreads(String prefix, long stackBytes) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(null, runnable, prefix + "-" + count.incrementAndGet(), stackBytes);
      thread.setDaemon(true);
      return thread;
    };
  }
}
