package io.istziio.client;

import io.istziio.client.protocol.Actions;
import io.istziio.client.protocol.Failures;
import io.istziio.client.protocol.NodeStats;
import io.istziio.client.protocol.ReadStats;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.client.protocol.RingState;
import io.istziio.client.protocol.ServedVersion;
import io.istziio.ring.Member;
import io.istziio.ring.Membership;
import io.istziio.ring.RedisMembership;
import io.istziio.ring.RingView;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.CallOptions;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import io.istziio.client.protocol.CachedObject;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Result;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * The Java client: it keeps a ring view of its own (from Redis, or from the nodes) and sends each
 * DoGet straight to the path's owner, with no GetFlightInfo round trip. If the owner cannot be
 * reached it tries the replicas in order and refreshes its view. Flight clients are pooled per
 * node. Thread-safe; close it when done.
 *
 * <p>A hot file is spread over its owners: a read of a path among this client's last 64 requests
 * starts at a replica when the primary took more of them than a bound over the mean ({@link
 * #withLoadSpread}), while a file not read lately always goes to its primary.
 *
 * <p>A node that stops answering without closing its connections (a frozen process, a black-holed
 * network) is detected too: when a read has received nothing for the {@linkplain
 * #withStallTimeout stall timeout} (default 5 s) the client pings the node (a ListActions call
 * with a deadline of at most 2 s); a node that answers is slow, not frozen (a cold miss of a large
 * object, a starved CPU), and the read waits on; one that does not is given up and the read goes
 * on at the next owner. GetFlightInfo and the admin actions have a {@linkplain #withCallTimeout
 * deadline} (default 10 s).
 *
 * <pre>{@code
 * try (IstziioClient client = IstziioClient.connect("grpc+tcp://10.0.0.1:8815")) {
 *   ReadResult result = client.read(ReadTicket.of("s3://bucket/key.parquet").withFilter("a > 5"),
 *       batch -> process(batch));
 * }
 * }</pre>
 */
public final class IstziioClient implements AutoCloseable {

  private static final int DEFAULT_REPLICAS = 2;
  /** How long a read may wait for its next message from a node before it moves on. */
  public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(5);
  /**
   * How long a read keeps asking again, with backoff, while the owners say that their object store
   * failed (S3 restarting, unreachable for a moment, throttling) before it gives up with the
   * store's error.
   */
  public static final Duration DEFAULT_STORE_RETRY = Duration.ofSeconds(10);
  /** The first wait before asking again after a store failure; it doubles, up to the maximum. */
  static final long STORE_BACKOFF_FIRST_MILLIS = 200;
  static final long STORE_BACKOFF_MAX_MILLIS = 2_000;
  /** The deadline of GetFlightInfo and of the stats and ring actions. */
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(10);
  /** Endpoints of a dataset read at the same time. */
  public static final int DEFAULT_PARALLELISM = 4;
  /** The watchdog's longest sleep between two checks of the running reads. */
  private static final long WATCHDOG_PERIOD_MILLIS = 250;

  private final BufferAllocator allocator;
  private final FlightClientPool pool;
  private final Membership membership;
  private final NodeRingSource fromNodes; // null when the view comes from Redis
  private final List<URI> seeds;
  private final int replicas;
  private volatile Duration stallTimeout = DEFAULT_STALL_TIMEOUT;
  private volatile Duration callTimeout = DEFAULT_CALL_TIMEOUT;
  private volatile Duration storeRetry = DEFAULT_STORE_RETRY;
  private volatile int parallelism = DEFAULT_PARALLELISM;
  /** This client's recent reads per node and per path, for choosing an owner by load. */
  private final NodeLoad load = new NodeLoad();
  private final SuspectNodes suspects = new SuspectNodes();
  private volatile boolean loadSpread = true;
  /** Threads of dataset reads; each read bounds how many it uses. Daemons, made on demand. */
  private final java.util.concurrent.ExecutorService readers =
      Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "istziio-reader");
        thread.setDaemon(true);
        return thread;
      });
  /** The reads now waiting on or consuming a stream; the watchdog looks for stalled ones. */
  private final Set<Progress> reading = ConcurrentHashMap.newKeySet();
  /** One daemon thread per client: it only compares times, starts probes and cancels streams. */
  private final ScheduledExecutorService watchdog;
  /** Asks a node whose stream waits too long whether it still answers. */
  private final NodeProbe probe;

  private IstziioClient(List<URI> seeds, RedisMembership.Settings redis, int replicas,
      Duration refresh, ClientSecurity security) {
    this.allocator = new RootAllocator();
    this.pool = new FlightClientPool(allocator, security);
    this.probe = new NodeProbe(pool);
    this.seeds = List.copyOf(seeds);
    if (redis != null) {
      this.fromNodes = null;
      this.membership = RedisMembership.watch(redis);
    } else {
      this.fromNodes = new NodeRingSource(seeds, pool, refresh);
      this.membership = fromNodes;
    }
    this.replicas = replicas;
    this.watchdog = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "istziio-client-watchdog");
      thread.setDaemon(true);
      return thread;
    });
    watchdog.schedule(this::watchWaitingReads, WATCHDOG_PERIOD_MILLIS, TimeUnit.MILLISECONDS);
  }

  /**
   * Sets how long a read waits for the next message (the schema or a batch) from a node before it
   * pings the node: if the ping gets no answer within the stall timeout or 2 s, whichever is
   * shorter, the read cancels the stream and goes on at the next owner, resuming after the rows
   * already delivered, as when the node fails; if it does, the node is alive and the read waits
   * another stall timeout before asking again. Counted from when the client asks for the message:
   * the time the consumer spends on a batch is not counted. Default {@link
   * #DEFAULT_STALL_TIMEOUT}; applies to reads started afterwards and to waits in running ones.
   *
   * @return this client
   */
  public IstziioClient withStallTimeout(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the stall timeout must be positive; got " + timeout);
    }
    stallTimeout = timeout;
    return this;
  }

  /**
   * Sets how long a read goes on asking while the object store fails: the first store failure
   * (an error the node marks as its store's, {@link Failures#isStoreFailure}) moves on to the next
   * owner at once; after that the read waits (200 ms, doubling up to 2 s, jittered) and asks the
   * last owner again, until this much time has passed since the first store failure. A store that
   * is down for a moment (S3 restarting) thus costs a delay, not a failed read; one that stays
   * down fails the read with its error. {@link Duration#ZERO}: no waiting, the second store
   * failure is the read's error. Default {@link #DEFAULT_STORE_RETRY}.
   *
   * @return this client
   */
  public IstziioClient withStoreRetry(Duration retry) {
    if (retry.isNegative()) {
      throw new IllegalArgumentException("the store retry must not be negative; got " + retry);
    }
    storeRetry = retry;
    return this;
  }

  /**
   * Sets the deadline of {@link #info}, {@link #stats} and {@link #ring}; {@code info} tries the
   * next owner when it passes. Default {@link #DEFAULT_CALL_TIMEOUT}. Reads have no deadline (a
   * large file may take long); they have the {@linkplain #withStallTimeout stall timeout}.
   *
   * @return this client
   */
  public IstziioClient withCallTimeout(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the call timeout must be positive; got " + timeout);
    }
    callTimeout = timeout;
    return this;
  }

  /**
   * Sets how many endpoints (files) of a dataset are read at the same time, by {@link
   * #read(FlightInfo, DictionaryBatchConsumer)} and {@link #stream}. Default {@link
   * #DEFAULT_PARALLELISM}; applies to reads started afterwards.
   *
   * @return this client
   */
  public IstziioClient withParallelism(int streams) {
    if (streams < 1) {
      throw new IllegalArgumentException("the parallelism must be 1 or more; got " + streams);
    }
    parallelism = streams;
    return this;
  }

  /**
   * Whether a read may start at a replica when its primary is busy (default true): the first owner
   * tried is chosen by this client's last 64 requests per node, bounded-load style ({@link
   * OwnerChoice}): a path not read among them (and not being read) goes to its primary, so files
   * read now and then are cached once; a hot path goes to its primary unless the primary took
   * about 1.25 times the mean of those requests, then to the next owner in ring order under that
   * bound, so a hot file spreads over its owners (and is cached on each). False: always the
   * primary first, as before. Failover after the first owner is in ring order either way.
   * Applies to reads started afterwards.
   *
   * @return this client
   */
  public IstziioClient withLoadSpread(boolean spread) {
    loadSpread = spread;
    return this;
  }

  private CallOption deadline() {
    return CallOptions.timeout(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A client that learns the ring from the nodes, starting from any of these locations. */
  public static IstziioClient connect(String... seedLocations) {
    return connect(0, seedLocations);
  }

  /**
   * The same, trying {@code replicas} owners per path (0: as many as the nodes keep).
   */
  public static IstziioClient connect(int replicas, String... seedLocations) {
    return connect(ClientSecurity.none(), replicas, seedLocations);
  }

  /**
   * The same, for nodes that serve TLS ({@code grpc+tls://} locations, checked against the
   * security's CA bundle) or want a token (sent on every call, the ring's included).
   */
  public static IstziioClient connect(ClientSecurity security, int replicas,
      String... seedLocations) {
    List<URI> seeds = List.of(seedLocations).stream().map(URI::create).toList();
    return new IstziioClient(seeds, null, replicas, Duration.ofSeconds(5), security);
  }

  /** A client that follows the membership in Redis, as the nodes do. */
  public static IstziioClient connectRedis(String redisUri, String cluster, int replicas) {
    return connectRedis(redisUri, cluster, replicas, ClientSecurity.none());
  }

  /**
   * The same, with the security's token and CA bundle for the nodes and its {@link
   * ClientSecurity#withRedis RedisAuth} (password, CA bundle for {@code rediss://}) for Redis.
   */
  public static IstziioClient connectRedis(String redisUri, String cluster, int replicas,
      ClientSecurity security) {
    return new IstziioClient(List.of(),
        new RedisMembership.Settings(redisUri, cluster, Duration.ofSeconds(3), security.redis()),
        replicas, Duration.ZERO, security);
  }

  /**
   * Waits until the ring's source (Redis, or the seed nodes) has been asked once, answered or not;
   * true when it has, false after {@code timeout}. After it, an empty {@link #view()} means no
   * node could be found rather than not yet looked for.
   *
   * @throws InterruptedException if the waiting thread is interrupted
   */
  public boolean awaitFirstTry(Duration timeout) throws InterruptedException {
    return membership.awaitFirstTry(timeout);
  }

  /**
   * Whether the ring's source answered its last try: false before the first try, and while Redis
   * (or every seed node) cannot be reached and the last view is kept.
   */
  public boolean ringReachable() {
    return membership.reachable();
  }

  /** The client's current view of the ring. */
  public RingView view() {
    return membership.view();
  }

  /**
   * The owners of {@code path} in the client's view, in ring order (primary first): the order a
   * read tries them in, except that with {@linkplain #withLoadSpread load spreading} a busy
   * primary's read starts at the first owner under the bound and then goes on in this order.
   */
  public List<Member> owners(String path) {
    List<Member> owners = membership.view().owners(path, replicas());
    if (!owners.isEmpty()) {
      return owners;
    }
    List<Member> fallback = new ArrayList<>(); // no view yet: any seed serves any path
    for (URI seed : seeds) {
      fallback.add(new Member(seed.toString(), seed.toString(), 1));
    }
    return fallback;
  }

  private int replicas() {
    if (replicas > 0) {
      return replicas;
    }
    int fromRing = fromNodes != null ? fromNodes.replicas() : 0;
    return fromRing > 0 ? fromRing : DEFAULT_REPLICAS;
  }

  /**
   * Streams the ticket's batches to {@code consumer}, straight from the path's owner. If a node
   * cannot be reached, or breaks off, the next owner takes over; a stream that broke off resumes
   * after the rows already delivered (a file's rows come in the same order from every node), so
   * the consumer sees every row once. The resumed read is pinned to the version of the object
   * that the first node served: if the object changed meanwhile and the next node no longer has
   * that version, the read fails with NOT_FOUND ({@link Failures#isVersionGone}) rather than
   * deliver rows of two versions. A stream that delivers nothing for the {@linkplain
   * #withStallTimeout stall timeout} is cancelled and counts as a node failure.
   *
   * @throws FlightRuntimeException the node's error (INVALID_ARGUMENT, NOT_FOUND...); the object
   *     store's failure as a node reported it ({@link Failures#isStoreFailure}), after one more
   *     owner was tried; or UNAVAILABLE naming the nodes tried when none could serve
   */
  public ReadResult read(ReadTicket ticket, BatchConsumer consumer) throws Exception {
    return read(ticket, (DictionaryBatchConsumer) (batch, dictionaries) -> consumer.accept(batch));
  }

  /**
   * {@link #read(ReadTicket, BatchConsumer)}, handing each batch with the stream's dictionaries,
   * for dictionary-encoded columns; after a failover they are the next node's, which sends the
   * same ones.
   */
  public ReadResult read(ReadTicket ticket, DictionaryBatchConsumer consumer) throws Exception {
    return readFrom(owners(ticket.routingPath()), ticket.routingPath(), ticket.version(),
        version -> (version != null ? ticket.withVersion(version) : ticket).toFlightTicket(),
        consumer, null);
  }

  /**
   * Reads one endpoint of a FlightInfo (one file of a dataset) with {@link #read}'s failover:
   * through its locations in order (the owners, primary first; the path's owners in this client's
   * view when it lists none), resuming after the rows delivered, pinned to the version the first
   * node served.
   *
   * @param cancel lets another thread stop the read: its stream is cancelled and the read throws
   *     CANCELLED instead of trying the next location; null when nobody cancels
   */
  ReadResult readEndpoint(FlightEndpoint endpoint, DictionaryBatchConsumer consumer,
      Cancellation cancel) throws Exception {
    EndpointTicket ticket = EndpointTicket.of(endpoint.getTicket());
    List<Member> nodes = new ArrayList<>();
    List<Member> members = membership.view().members();
    for (Location location : endpoint.getLocations()) {
      String uri = location.getUri().toString();
      nodes.add(members.stream().filter(m -> m.location().equals(uri)).findFirst()
          .orElseGet(() -> new Member(uri, uri, 1)));
    }
    if (nodes.isEmpty()) {
      nodes = owners(ticket.path());
    }
    return readFrom(nodes, ticket.path(), ticket.version(), ticket::withVersion, consumer, cancel);
  }

  /**
   * The read with failover behind {@link #read} and {@link #readEndpoint}.
   *
   * @param ticketFor the ticket to send, pinned to a version (null: as given)
   */
  private ReadResult readFrom(List<Member> nodes, String path, String pinned,
      java.util.function.Function<String, Ticket> ticketFor, DictionaryBatchConsumer consumer,
      Cancellation cancel) throws Exception {
    long delivered = 0;
    // The version the rows come from, learned from the first batch: a resumed read is pinned to
    // it, so the rows after a failover never come from another version of the object.
    String version = pinned;
    List<String> tried = new ArrayList<>();
    FlightRuntimeException storeFailure = null; // the first, after which one more owner is tried
    long storeGiveUp = 0; // System.nanoTime() past which store failures are no longer retried
    int storeRetries = 0;
    boolean retriedEvicted = false; // one fresh channel after another read dropped ours
    // The owners to try in turn, the first chosen by this client's recent requests and counted
    // among them by order(), nodes that just failed a read last; a store failure past the first
    // appends its node again.
    List<Member> healthy = suspects.unsuspected(nodes);
    List<Member> queue = new ArrayList<>(
        OwnerChoice.order(healthy, path, membership.view().members(), load, loadSpread));
    for (Member node : nodes) {
      if (!healthy.contains(node)) {
        queue.add(node);
      }
    }
    for (int next = 0; next < queue.size(); next++) {
      Member node = queue.get(next);
      Progress progress = null;
      FlightClient flight;
      try {
        flight = pool.get(node.location());
      } catch (RuntimeException e) {
        if (next == 0) {
          load.finished(path); // order() counted it in flight
        }
        throw e;
      }
      if (next > 0) {
        load.started(node.location(), path); // a failover: a request to another node
      } // in flight until the stream is closed: finished() in finally
      try (FlightStream stream = flight.getStream(ticketFor.apply(version))) {
        progress = new Progress(stream, node.location());
        reading.add(progress);
        if (cancel != null) {
          cancel.opened(stream);
        }
        long skip = delivered;
        progress.waiting();
        VectorSchemaRoot root = stream.getRoot(); // waits for the schema
        while (true) {
          progress.waiting();
          boolean more = stream.next();
          progress.consuming();
          if (!more) {
            break;
          }
          if (version == null) {
            version = ServedVersion.from(stream.getLatestMetadata());
          }
          int rows = root.getRowCount();
          if (skip >= rows) {
            skip -= rows;
            continue;
          }
          if (skip > 0) {
            try (VectorSchemaRoot rest = root.slice((int) skip, (int) (rows - skip))) {
              rest.setRowCount((int) (rows - skip)); // a root with no columns keeps no count
              consumer.accept(rest, stream.getDictionaryProvider());
            }
          } else {
            consumer.accept(root, stream.getDictionaryProvider());
          }
          delivered += rows - skip;
          skip = 0;
        }
        suspects.clear(node.location());
        return new ReadResult(node, delivered, ReadStats.from(stream), tried.size());
      } catch (FlightRuntimeException e) {
        if (cancel != null && cancel.cancelled()) {
          throw e; // stopped on purpose: no failover
        }
        boolean stalled = progress != null && progress.stalled();
        if (!stalled && Failures.isStoreFailure(e)) {
          // The node is fine; its object store is not, and every owner asks the same store: one
          // more owner may be luckier (a throttled or flaky GET); after that, ask the same node
          // again with backoff while the store retry lasts (a store restarting comes back).
          tried.add(node.id() + " (" + e.status().description() + ")");
          if (storeFailure == null) {
            storeFailure = e;
            storeGiveUp = System.nanoTime() + storeRetry.toNanos();
            if (next + 1 < queue.size()) {
              continue;
            }
          }
          long wait = storeBackoffMillis(storeRetries++);
          if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait) - storeGiveUp > 0) {
            throw e;
          }
          if (!pause(wait, cancel)) {
            throw e; // the read was stopped meanwhile
          }
          queue.add(next + 1, node);
          continue;
        }
        if (!stalled && !nodeFailed(e)) {
          throw e;
        }
        if (!stalled && !retriedEvicted && !pool.holds(node.location(), flight)) {
          // Another read found this node failing and dropped the channel under this one's call
          // ("Channel shutdown invoked"): that says nothing of the node yet; ask it once more on
          // a fresh channel.
          retriedEvicted = true;
          queue.add(next + 1, node);
          continue;
        }
        tried.add(node.id() + " (" + (stalled
            ? "stalled: no data for " + describe(stallTimeout) + " and no answer to a ping within "
                + describe(probeDeadline()) : ConnectionFailures.describe(e)) + ")");
        if (stalled || e.status().code() != FlightStatusCode.RESOURCE_EXHAUSTED) { // busy, not broken
          pool.evict(node.location());
          suspects.suspect(node.location());
          if (fromNodes != null) {
            fromNodes.refreshSoon();
          }
        }
      } finally {
        load.finished(path);
        if (progress != null) {
          reading.remove(progress);
        }
      }
    }
    if (storeFailure != null && tried.size() == 1) {
      throw storeFailure; // the only owner's store failed: say so, not "no owner could be reached"
    }
    throw CallStatus.UNAVAILABLE.withDescription("no owner of " + path
        + " could be reached; tried " + String.join(", ", tried)).toRuntimeException();
  }

  /**
   * Reads every endpoint of {@code info} (a dataset's files, as GetFlightInfo answers them),
   * {@linkplain #withParallelism several at once} across their owners, each with {@link #read}'s
   * failover through its locations. {@code consumer} is called from one thread at a time (never
   * concurrently), with batches in order within each endpoint but interleaved across endpoints;
   * use {@link #stream(FlightInfo)} for the endpoints' batches in order. The first failure stops
   * the other endpoints' reads and is thrown.
   *
   * @return one ReadResult per endpoint, in the FlightInfo's order
   * @throws FlightRuntimeException as {@link #read} throws it, for the first endpoint that failed
   */
  public DatasetResult read(FlightInfo info, DictionaryBatchConsumer consumer) throws Exception {
    return new ParallelRead(this, info.getEndpoints(), parallelism, consumer).run();
  }

  /** {@link #read(FlightInfo, DictionaryBatchConsumer)}, for a consumer that needs no dictionaries. */
  public DatasetResult read(FlightInfo info, BatchConsumer consumer) throws Exception {
    return read(info, (DictionaryBatchConsumer) (batch, dictionaries) -> consumer.accept(batch));
  }

  /**
   * GetFlightInfo of a dataset ticket (a prefix, a glob or {@code paths}; any ticket works), then
   * {@link #read(FlightInfo, DictionaryBatchConsumer)} of its endpoints.
   */
  public DatasetResult readDataset(ReadTicket ticket, DictionaryBatchConsumer consumer)
      throws Exception {
    return read(info(ticket), consumer);
  }

  /** {@link #readDataset(ReadTicket, DictionaryBatchConsumer)} without dictionaries. */
  public DatasetResult readDataset(ReadTicket ticket, BatchConsumer consumer) throws Exception {
    return read(info(ticket), consumer);
  }

  /**
   * The batches of every endpoint of {@code info}, in order: endpoint after endpoint, each in its
   * file's order, pulled with {@link DatasetStream#next}. Up to the {@linkplain #withParallelism
   * parallelism} endpoints ahead of the one being read are read at the same time, each buffering
   * at most {@link DatasetStream#BATCHES_PER_ENDPOINT} batches, so memory stays bounded however
   * slowly the caller pulls. Close it when done (also to stop early).
   */
  public DatasetStream stream(FlightInfo info) {
    return new DatasetStream(this, allocator, info.getEndpoints(), parallelism);
  }

  /** GetFlightInfo of a dataset ticket, then {@link #stream(FlightInfo)} of its endpoints. */
  public DatasetStream streamDataset(ReadTicket ticket) {
    return stream(info(ticket));
  }

  /**
   * What the node at {@code location} caches (ListFlights), in path order: the objects whose
   * path starts with {@code prefix} ("" for all). TIMED_OUT after the {@linkplain
   * #withCallTimeout call timeout}.
   */
  public List<CachedObject> cached(String location, String prefix) {
    List<CachedObject> objects = new ArrayList<>();
    for (FlightInfo info : pool.get(location).listFlights(
        new Criteria(prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8)), deadline())) {
      CachedObject object = CachedObject.from(info);
      if (object != null) {
        objects.add(object);
      }
    }
    return objects;
  }

  /** Runs the reader threads of dataset reads. */
  java.util.concurrent.ExecutorService readers() {
    return readers;
  }

  /** The wait before store retry {@code n} (0, 1, ...): doubling from the first, capped, jittered. */
  static long storeBackoffMillis(int n) {
    long full = Math.min(STORE_BACKOFF_MAX_MILLIS, STORE_BACKOFF_FIRST_MILLIS << Math.min(n, 20));
    return full / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(full / 2 + 1);
  }

  /** Sleeps, unless the read is cancelled meanwhile; false if it was (or the thread interrupted). */
  private static boolean pause(long millis, Cancellation cancel) {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    try {
      for (long left = millis; left > 0;
          left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())) {
        if (cancel != null && cancel.cancelled()) {
          return false;
        }
        Thread.sleep(Math.min(left, 50));
      }
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      return false;
    }
    return cancel == null || !cancel.cancelled();
  }

  /**
   * One stream's progress, for the stall watchdog. Threads: only the reading thread calls
   * {@link #waiting} and {@link #consuming}; the watchdog thread starts a probe of a wait that
   * has lasted the stall timeout, and the probe's answer either restarts that wait's clock
   * ({@link #waitOn}) or moves the state to {@link #STALLED} and cancels the stream ({@link
   * #giveUp}). The state is one AtomicLong, which publishes it between the threads; both answers
   * are a compareAndSet from the exact wait start the watchdog saw, so a reader that got its
   * message in the meantime is never cancelled nor its new wait moved. {@link #probing} keeps the
   * watchdog to one probe per wait at a time. Once STALLED, the reader leaves it so (the next call
   * on the cancelled stream throws CANCELLED).
   */
  private static final class Progress {
    /** The consumer is running (or the stream ended): not a wait on the node. */
    static final long CONSUMING = Long.MIN_VALUE;
    static final long STALLED = Long.MIN_VALUE + 1;

    final FlightStream stream;
    /** The node's location, to probe it. */
    final String location;
    /** System.nanoTime() when the reader asked for the next message, or CONSUMING, or STALLED. */
    final AtomicLong waitingSince = new AtomicLong(CONSUMING);
    /** Set by the watchdog when it starts a probe, cleared by the probe's answer. */
    final AtomicBoolean probing = new AtomicBoolean();

    Progress(FlightStream stream, String location) {
      this.stream = stream;
      this.location = location;
    }

    void waiting() {
      long now = System.nanoTime();
      waitingSince.updateAndGet(state -> state == STALLED ? STALLED : now);
    }

    void consuming() {
      waitingSince.updateAndGet(state -> state == STALLED ? STALLED : CONSUMING);
    }

    boolean stalled() {
      return waitingSince.get() == STALLED;
    }

    /** The node answered the probe: the wait that began at {@code since} starts over. */
    void waitOn(long since) {
      waitingSince.compareAndSet(since, System.nanoTime());
      probing.set(false);
    }

    /** The node did not answer: the wait that began at {@code since} ends the stream. */
    void giveUp(long since, String why) {
      if (waitingSince.compareAndSet(since, STALLED)) {
        try {
          stream.cancel(why, null);
        } catch (RuntimeException e) {
          // the stream ended meanwhile; the reader sees its outcome
        }
      }
      probing.set(false);
    }
  }

  /** The probe's deadline: the stall timeout, at most {@link NodeProbe#MAX_DEADLINE}. */
  private Duration probeDeadline() {
    Duration stall = stallTimeout;
    return stall.compareTo(NodeProbe.MAX_DEADLINE) < 0 ? stall : NodeProbe.MAX_DEADLINE;
  }

  /**
   * The watchdog's round: probes the nodes of streams that have waited too long (their answers
   * decide, on the probe's thread), then sleeps.
   */
  private void watchWaitingReads() {
    long limit = stallTimeout.toNanos();
    Duration deadline = probeDeadline();
    long now = System.nanoTime();
    for (Progress progress : reading) {
      long since = progress.waitingSince.get();
      if (since != Progress.CONSUMING && since != Progress.STALLED && now - since > limit
          && progress.probing.compareAndSet(false, true)) {
        String why = "no data for " + describe(stallTimeout) + " and no answer to a ping within "
            + describe(deadline);
        probe.answers(progress.location, deadline).thenAccept(alive -> {
          if (alive) {
            progress.waitOn(since);
          } else {
            progress.giveUp(since, why);
          }
        });
      }
    }
    try {
      watchdog.schedule(this::watchWaitingReads,
          Math.max(1, Math.min(WATCHDOG_PERIOD_MILLIS, stallTimeout.toMillis() / 4)),
          TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closed) {
      // the client is closed
    }
  }

  /** "5 s", or "1500 ms" when not whole seconds. */
  private static String describe(Duration duration) {
    long millis = duration.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
  }

  /**
   * Whether a read failed because of the node rather than the request: it could not be reached,
   * it reset the stream (a node that stops dies with RST_STREAM, which gRPC reports as
   * CANCELLED; the only read this client cancels itself is a stalled one, which read() tells
   * apart by its Progress), or it is serving all the streams it may
   * (RESOURCE_EXHAUSTED, --max-streams), where a replica may not be.
   */
  static boolean nodeFailed(FlightRuntimeException e) {
    FlightStatusCode code = e.status().code();
    return code == FlightStatusCode.UNAVAILABLE || code == FlightStatusCode.CANCELLED
        || code == FlightStatusCode.RESOURCE_EXHAUSTED || isTransportReset(e);
  }

  /**
   * A stream the node's HTTP/2 transport reset, as when its process dies mid-write: gRPC reports
   * it as INTERNAL "RST_STREAM closed stream. HTTP/2 error code: INTERNAL_ERROR". The node failed,
   * not the request; a node's own INTERNAL answers read "internal error (incident …)".
   */
  private static boolean isTransportReset(FlightRuntimeException e) {
    String description = e.status().description();
    return e.status().code() == FlightStatusCode.INTERNAL && description != null
        && description.startsWith("RST_STREAM closed stream");
  }

  /**
   * GetFlightInfo from the path's owner, or the next one that answers: an owner that cannot be
   * reached or does not answer within the {@linkplain #withCallTimeout call timeout} is skipped.
   */
  public FlightInfo info(ReadTicket ticket) {
    List<String> tried = new ArrayList<>();
    for (Member node : owners(ticket.routingPath())) {
      try {
        return pool.get(node.location())
            .getInfo(FlightDescriptor.command(ticket.toJsonBytes()), deadline());
      } catch (FlightRuntimeException e) {
        FlightStatusCode code = e.status().code();
        if (code != FlightStatusCode.UNAVAILABLE && code != FlightStatusCode.TIMED_OUT) {
          throw e;
        }
        tried.add(node.id() + " (" + (code == FlightStatusCode.TIMED_OUT
            ? "no answer within " + describe(callTimeout) : ConnectionFailures.describe(e)) + ")");
        pool.evict(node.location());
      }
    }
    throw CallStatus.UNAVAILABLE.withDescription("no owner of " + ticket.routingPath()
        + " could be reached; tried " + String.join(", ", tried)).toRuntimeException();
  }

  /** A node's counters; TIMED_OUT after the {@linkplain #withCallTimeout call timeout}. */
  public NodeStats stats(String location) {
    return NodeStats.fromJson(action(location, Actions.STATS));
  }

  /** A node's ring view; TIMED_OUT after the {@linkplain #withCallTimeout call timeout}. */
  public RingState ring(String location) {
    return RingState.fromJson(action(location, Actions.RING));
  }

  /**
   * Runs the action {@code name} with the JSON {@code body} at the node at {@code location} (the
   * admin actions of {@link Actions}: evict, warm, pin, unpin, resize, drain), handing each
   * result's body to {@code each}, in order, as it arrives.
   *
   * @param timeout the deadline of the whole call; null for none (a warm or a pin downloads)
   * @throws FlightRuntimeException the node's error, e.g. INVALID_ARGUMENT for a bad body
   */
  public void action(String location, String name, byte[] body, Duration timeout,
      java.util.function.Consumer<byte[]> each) {
    CallOption[] options = timeout == null ? new CallOption[0]
        : new CallOption[] {CallOptions.timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)};
    Iterator<Result> results = pool.get(location).doAction(new Action(name, body), options);
    while (results.hasNext()) {
      each.accept(results.next().getBody());
    }
  }

  private byte[] action(String location, String name) {
    Iterator<Result> results = pool.get(location).doAction(new Action(name), deadline());
    byte[] body = results.next().getBody();
    results.forEachRemaining(r -> { });
    return body;
  }

  @Override
  public void close() throws Exception {
    watchdog.shutdownNow();
    readers.shutdownNow();
    AutoCloseables.close(probe, membership, pool, allocator);
  }
}
