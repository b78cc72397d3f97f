package io.istziio.server.flight;

import io.istziio.client.FlightClientPool;
import io.istziio.client.protocol.Actions;
import io.istziio.client.protocol.NodeStats;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.client.protocol.WarmRequest;
import io.istziio.client.protocol.RingState;
import io.istziio.ring.Member;
import io.istziio.ring.Membership;
import io.istziio.client.NodeProbe;
import io.istziio.ring.RingView;
import io.istziio.server.Errors;
import io.istziio.server.security.Access;
import io.istziio.server.handoff.PeerObjectStream;
import io.istziio.server.handoff.PeerTicket;
import io.istziio.server.cache.DiskCache;
import io.istziio.server.cache.Lease;
import io.istziio.server.cache.ObjectCache;
import io.istziio.server.dataset.DatasetFile;
import io.istziio.server.dataset.DatasetLister;
import io.istziio.server.dataset.HivePartitioning;
import io.istziio.server.dataset.PartitionFilter;
import io.istziio.server.dataset.PartitionedRead;
import org.apache.arrow.vector.types.pojo.Schema;
import io.istziio.server.filter.RowFilter;
import io.istziio.server.calls.CallRecord;
import io.istziio.server.calls.MeteredListener;
import io.istziio.server.parquet.ColumnSelection;
import io.istziio.server.parquet.ParquetDescription;
import io.istziio.server.parquet.ParquetFooter;
import io.istziio.server.parquet.NativeMemory;
import io.istziio.server.parquet.ParquetFile;
import io.istziio.server.store.ObjectPath;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import io.istziio.server.NodeConfig;
import io.istziio.server.cache.CacheKey;
import io.istziio.server.memory.DecodedFile;
import io.istziio.server.memory.MemoryTier;
import io.istziio.server.store.ObjectVersion;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.ActionType;
import org.apache.arrow.flight.CallOptions;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's Flight service: GetFlightInfo and GetSchema describe a ticket's result and where it is
 * served, DoGet streams it, DoAction answers the admin actions.
 */
public final class NodeProducer extends NoOpFlightProducer {

  private static final Logger LOG = LoggerFactory.getLogger(NodeProducer.class);

  /**
   * The most bytes a dataset's endpoint tickets may hold together. Each repeats the dataset's
   * columns and filter, so a large filter over many files would multiply into a FlightInfo the
   * node (and the client) cannot hold; 100,000 files with ordinary tickets take a fraction of it.
   */
  static final long MAX_TICKET_BYTES = 64L << 20;

  /** Asked of a path's owner by a node that is not one: answer locally, never forward again. */
  static final String OWNER_INFO = "owner-flight-info";
  /** The longest a node waits for an owner's FlightInfo, however alive the owner is. */
  static final Duration OWNER_INFO_LIMIT = Duration.ofSeconds(30);
  /** How long an owner's FlightInfo is waited for before the owner is pinged. */
  static final Duration OWNER_INFO_FIRST_WAIT = Duration.ofSeconds(2);

  /** What a peer's hand-off read is called in the request log and in refusals. */
  static final String PEER_OBJECT = "peer-object";

  /** The parts of a node the producer serves from. */
  public record Parts(Supplier<Member> self, BufferAllocator allocator, ObjectCache objects,
      DiskCache disk, MemoryTier memory, Membership membership, int replicas,
      FlightClientPool peers, NodeConfig.Serving serving, ExecutorService streams,
      StreamSpool spool, DatasetLister datasets, AdminActions.Settings admin) {}

  private final Parts parts;
  private final LongAdder misrouted = new LongAdder();
  /** Every DoGet call received, for the stats action. */
  private final LongAdder doGets = new LongAdder();
  /** Whether a peer's refusal of this node's token was logged (once per node). */
  private final AtomicBoolean peerRefusalLogged = new AtomicBoolean();
  private final MemoryStreams memoryStreams;
  private final AdminActions admin;
  private final RemoteFooters footers;

  public NodeProducer(Parts parts) {
    this.parts = parts;
    this.memoryStreams = new MemoryStreams(parts.allocator(), parts.serving().maxStreams());
    this.footers = new RemoteFooters(parts.objects(), parts.allocator(),
        parts.disk().scratchDirectory());
    LocalCopies copies = new LocalCopies(parts.objects(), parts.disk());
    int concurrency = AdminActions.defaultConcurrency(parts.admin().missThreads());
    Warming warming = new Warming(parts.self(), copies, parts.datasets(), parts.admin().store(),
        this::owners, parts.peers(), concurrency);
    this.admin = new AdminActions(parts.self(), copies, warming, parts.disk(), parts.memory(),
        parts.datasets(), parts.admin());
  }

  /** Memory-tier DoGet streams being sent (they hold no stream thread). */
  public int memoryStreamsRunning() {
    return memoryStreams.running();
  }

  /**
   * Any node answers: the endpoint lists the path's owners, primary first. A node that is not an
   * owner asks the primary (then the replicas) for the schema and sizes; only if none answers does
   * it read the object's footer itself (and downloads nothing). An owner answers from its cached
   * copy, or on a miss from the footer alone while the object downloads (see {@link #localInfo}).
   */
  @Override
  public FlightInfo getFlightInfo(CallContext context, FlightDescriptor descriptor) {
    CallRecord call = CallRecord.of(context);
    try {
      ReadTicket request = requestOf(descriptor);
      call.path(request.routingPath());
      RowFilter filter = RowFilter.of(request);
      if (request.isDataset()) {
        return datasetInfo(descriptor, request, filter);
      }
      ObjectPath path = ObjectPath.parse(request.path());
      List<Member> owners = owners(path.uri());
      if (!isOwner(owners)) {
        FlightInfo remote = askOwners(owners, request);
        if (remote != null) {
          return remote;
        }
      }
      return localInfo(descriptor, request, filter, path, owners, call, isOwner(owners));
    } catch (Exception e) {
      throw Errors.toFlight(e, "GetFlightInfo " + descriptor);
    }
  }

  /**
   * Describes the object from the disk tier's copy if it holds one; else from the footer alone
   * ({@link RemoteFooters}), without waiting for the object, and, when {@code fill}, starts (or
   * joins) the download of the whole object in the background so that the DoGet that follows
   * finds it cached or joins it. Both ways give the same schema, sizes and errors.
   *
   * @param call told how the cache answered; null when the lookup is not the call's own
   * @param fill whether this node should hold the object: an owner's answer, not a stand-in's
   */
  private FlightInfo localInfo(FlightDescriptor descriptor, ReadTicket request, RowFilter filter,
      ObjectPath path, List<Member> owners, CallRecord call, boolean fill) throws Exception {
    try (Lease lease = parts.objects().openCached(path, request.version())) {
      if (lease != null) {
        if (call != null) {
          call.cache(DoGetStream.outcome(lease));
        }
        return describe(descriptor, request, filter, owners,
            lease.attachment(local -> ParquetFile.open(parts.allocator(), local, path.uri())));
      }
    }
    Optional<RemoteFooters.Found> found = footers.describe(path, request.version());
    if (found.isEmpty()) { // a store that cannot read part of an object: download it now
      try (Lease lease = parts.objects().open(path, request.version())) {
        if (call != null) {
          call.cache(DoGetStream.outcome(lease));
        }
        return describe(descriptor, request, filter, owners,
            lease.attachment(local -> ParquetFile.open(parts.allocator(), local, path.uri())));
      }
    }
    if (call != null) {
      call.cache(CallRecord.Cache.MISS);
    }
    FlightInfo info = describe(descriptor, request, filter, owners, found.get().description());
    // Only once the answer is sure (the object is Parquet the node reads, the request fits it);
    // an object larger than the disk tier would be a scratch copy gone before the DoGet came.
    if (fill && found.get().version().size() <= parts.disk().capacityBytes()) {
      parts.objects().prefetch(path);
    }
    return info;
  }

  /** The FlightInfo of one object: its one endpoint at the owners, the projected schema, sizes. */
  private static FlightInfo describe(FlightDescriptor descriptor, ReadTicket request,
      RowFilter filter, List<Member> owners, ParquetDescription file) {
    PartitionedRead partitioned = request.partition() == null ? null
        : PartitionedRead.of(request, filter);
    RowFilter fileFilter = partitioned == null ? filter : partitioned.filter();
    ColumnSelection selection = file.select(
        partitioned == null ? request.columns() : partitioned.file().columns());
    Schema schema = partitioned == null ? selection.schema() : partitioned.schema(selection.schema());
    ParquetFooter footer = file.footer();
    if (fileFilter != null) {
      fileFilter.compile(file.fileSchema()); // a bad predicate fails here, before any DoGet
    }
    Location[] locations = owners.stream().map(NodeProducer::location).toArray(Location[]::new);
    FlightEndpoint endpoint = new FlightEndpoint(new Ticket(request.toJsonBytes()), locations);
    // With a filter, how many rows and bytes match is unknown until the scan; the footer does
    // not size partition columns.
    return new FlightInfo(schema, descriptor, List.of(endpoint),
        filter != null || partitioned != null ? -1 : footer.bytes(selection.paths()),
        filter != null ? -1 : footer.rows());
  }

  /**
   * A dataset: one endpoint per file (sorted by path) at its owners, files whose partition values
   * rule the filter out left out before any download; the schema is the first endpoint's file's
   * (the first listed file's when the filter rules out all), as its owner describes it with the
   * partition columns, so only that file is read (or its footer, from an owner that holds it).
   * Sizes are not summed: -1.
   */
  private FlightInfo datasetInfo(FlightDescriptor descriptor, ReadTicket request, RowFilter filter)
      throws Exception {
    List<DatasetFile> files = parts.datasets().files(request);
    List<List<ReadTicket.PartitionValue>> partitions =
        HivePartitioning.of(files, request.partitioning());
    List<FlightEndpoint> endpoints = new java.util.ArrayList<>();
    ReadTicket first = null;
    long ticketBytes = 0;
    for (int i = 0; i < files.size(); i++) {
      List<ReadTicket.PartitionValue> partition = partitions.get(i);
      if (filter != null && filter.isParsed()
          && PartitionFilter.fold(filter.parsed(), partition).none()) {
        continue; // its partition values rule the filter out: never read
      }
      ReadTicket file = fileTicket(request, files.get(i), partition);
      first = first == null ? file : first;
      Location[] locations = owners(file.path()).stream().map(NodeProducer::location)
          .toArray(Location[]::new);
      byte[] ticket = file.toJsonBytes();
      ticketBytes += ticket.length;
      if (ticketBytes > MAX_TICKET_BYTES) {
        throw Errors.invalid("the endpoints of %s would hold more than %d MiB of tickets (%d files "
            + "each repeat the ticket's columns and filter, %d bytes here); send a shorter filter "
            + "or column list, or read the dataset in parts", Errors.shorten(request.routingPath()),
            MAX_TICKET_BYTES >> 20, files.size(), ticket.length);
      }
      FlightEndpoint.Builder endpoint = FlightEndpoint.builder(new Ticket(ticket), locations);
      if (files.get(i).bytes() >= 0) { // the object's size, as listed: what `istziio ls` shows
        endpoint.setAppMetadata(("{\"bytes\":" + files.get(i).bytes() + "}")
            .getBytes(StandardCharsets.UTF_8));
      }
      endpoints.add(endpoint.build());
    }
    if (first == null) { // every file ruled out: the schema is still the first file's
      first = fileTicket(request, files.get(0), partitions.get(0));
    }
    ObjectPath firstPath = ObjectPath.parse(first.path());
    List<Member> owners = owners(firstPath.uri());
    FlightInfo described = isOwner(owners) ? null : askOwners(owners, first);
    if (described == null) {
      described = localInfo(FlightDescriptor.command(first.toJsonBytes()), first, RowFilter.of(first),
          firstPath, owners, null, isOwner(owners));
    }
    return new FlightInfo(described.getSchemaOptional().orElseThrow(), descriptor, endpoints, -1, -1);
  }

  /** The ticket of one file of a dataset: the dataset's columns and filter, its partition values. */
  private static ReadTicket fileTicket(ReadTicket dataset, DatasetFile file,
      List<ReadTicket.PartitionValue> partition) {
    ReadTicket one = new ReadTicket(file.path(), dataset.columns(), dataset.filter(),
        dataset.substrait(), null);
    return partition.isEmpty() ? one : one.withPartition(partition);
  }

  private FlightInfo askOwners(List<Member> owners, ReadTicket request) {
    for (Member owner : owners) {
      try {
        return askOwner(owner, request);
      } catch (FlightRuntimeException e) {
        FlightStatusCode code = e.status().code();
        if (code == FlightStatusCode.UNAUTHENTICATED || code == FlightStatusCode.UNAUTHORIZED) {
          // The owner refused this node's token, not the client's: a cluster whose token files
          // differ. Say so in the log and serve the request here rather than fail it.
          if (peerRefusalLogged.compareAndSet(false, true)) {
            LOG.warn("owner {} refused this node's call ({}: {}); nodes need a node or admin "
                + "token that their peers' --token-file holds. Reading objects it does not own "
                + "here until then (logged once)", owner.id(), code, e.status().description());
          }
          continue;
        }
        if (code != FlightStatusCode.UNAVAILABLE && code != FlightStatusCode.TIMED_OUT) {
          throw e; // the owner's answer (a bad column, a missing object...) is the answer
        }
        if (io.istziio.client.protocol.Failures.isStoreFailure(e)) {
          // The store failed the owner, not the owner: the next owner, or this node, would ask
          // the same store again. Marked again, for the client (one retry, no failover).
          throw Errors.storeUnavailable("%s", e.status().description());
        }
        parts.peers().evict(location(owner));
        LOG.debug("owner {} unavailable for GetFlightInfo: {}", owner.id(), e.getMessage());
      } catch (URISyntaxException | java.io.IOException e) {
        throw Errors.toFlight(e, "reading an owner's FlightInfo");
      }
    }
    return null;
  }

  /**
   * The owner's FlightInfo, waited for as long as the owner is alive, up to {@link
   * #OWNER_INFO_LIMIT}: the call gets {@link #OWNER_INFO_FIRST_WAIT}, then the owner is pinged
   * ({@link NodeProbe#answers}); one that answers is slow (a slow store: a cold owner reads the
   * object's footer before it answers) and is asked again with twice the wait; one that does not is frozen, and the call's TIMED_OUT
   * moves on. A frozen owner thus costs a GetFlightInfo about 4 s rather than the limit.
   */
  private FlightInfo askOwner(Member owner, ReadTicket request) throws URISyntaxException,
      java.io.IOException {
    FlightClient peer = parts.peers().get(location(owner));
    long giveUp = System.nanoTime() + OWNER_INFO_LIMIT.toNanos();
    long wait = OWNER_INFO_FIRST_WAIT.toMillis();
    while (true) {
      try {
        Iterator<Result> results = peer.doAction(new Action(OWNER_INFO, request.toJsonBytes()),
            CallOptions.timeout(wait, TimeUnit.MILLISECONDS));
        FlightInfo info = FlightInfo.deserialize(ByteBuffer.wrap(results.next().getBody()));
        results.forEachRemaining(r -> { });
        return info;
      } catch (FlightRuntimeException e) {
        long left = TimeUnit.NANOSECONDS.toMillis(giveUp - System.nanoTime());
        if (e.status().code() != FlightStatusCode.TIMED_OUT || left <= 0
            || !NodeProbe.answers(peer, NodeProbe.MAX_DEADLINE)) {
          throw e;
        }
        wait = Math.min(2 * wait, Math.max(1, left));
      }
    }
  }

  /** The path's owners in this node's view; just this node until the view has members. */
  private List<Member> owners(String path) {
    RingView view = parts.membership().view();
    List<Member> owners = view.owners(path, parts.replicas());
    Member self = parts.self().get();
    if (!owners.isEmpty() || self == null) { // self is null only while the port is being bound
      return owners;
    }
    return List.of(self);
  }

  private boolean isOwner(List<Member> owners) {
    Member self = parts.self().get();
    return self == null || owners.isEmpty()
        || owners.stream().anyMatch(owner -> owner.id().equals(self.id()));
  }

  /**
   * A file the memory tier holds is sent right here, on gRPC's thread, paced by Flight's ready
   * callbacks (see MemoryStream). Anything else is handed to a stream thread: gRPC delivers a
   * call's flow-control callbacks on the thread that runs this method, so a disk stream that
   * waited here for the client to be ready would never hear that it is.
   */
  @Override
  public void getStream(CallContext context, Ticket ticket, ServerStreamListener call) {
    CallRecord record = CallRecord.of(context);
    ServerStreamListener listener = MeteredListener.wrap(call, record);
    if (PeerTicket.is(ticket.getBytes())) {
      servePeer(context, ticket, listener, record); // a peer's hand-off, not a read
      return;
    }
    doGets.increment();
    ReadTicket request;
    RowFilter filter;
    ObjectPath path;
    PartitionedRead partitioned = null;
    try {
      request = ReadTicket.parse(ticket.getBytes());
      record.path(request.routingPath());
      if (request.isDataset()) {
        throw Errors.invalid("a dataset is read by its endpoints: call GetFlightInfo and DoGet "
            + "each endpoint's ticket");
      }
      filter = RowFilter.of(request);
      path = ObjectPath.parse(request.path());
      if (request.partition() != null) {
        partitioned = PartitionedRead.of(request, filter);
        request = partitioned.file();
        filter = partitioned.filter();
      }
    } catch (RuntimeException e) {
      listener.error(Errors.toFlight(e, "DoGet"));
      return;
    }
    if (!isOwner(owners(path.uri()))) {
      misrouted.increment(); // a client with a stale view; served all the same
    }
    if ((partitioned == null || !partitioned.none())
        && serveFromMemory(request, filter, partitioned, path, listener, record)) {
      return;
    }
    try {
      parts.streams().execute(new DoGetStream(request, filter, parts.objects(), parts.memory(),
          memoryStreams, parts.allocator(), parts.serving(), listener, partitioned, record,
          parts.spool())::run);
    } catch (RejectedExecutionException full) {
      listener.error(parts.streams().isShutdown()
          ? Errors.unavailable("the node is shutting down; read from another owner")
          : MemoryStreams.tooBusy(parts.serving().maxStreams()));
    }
  }

  /**
   * A peer's hand-off read: the bytes of this node's copy of a path, for nodes only (a node or
   * admin token when tokens are on).
   */
  private void servePeer(CallContext context, Ticket ticket, ServerStreamListener listener,
      CallRecord record) {
    record.action(PEER_OBJECT);
    try {
      record.path(PeerTicket.path(ticket.getBytes()));
      Access.checkAction(context, PEER_OBJECT, true);
    } catch (RuntimeException refused) {
      listener.error(Errors.toFlight(refused, "DoGet " + PEER_OBJECT));
      return;
    }
    PeerObjectStream.start(ticket.getBytes(), parts.objects(), parts.disk(), parts.allocator(),
        parts.streams(), listener);
  }

  /**
   * Starts a memory stream if the tier holds the path's known version; false if it does not, or
   * if the filter is an outside Substrait expression, which only the disk tier's scanner runs.
   */
  private boolean serveFromMemory(ReadTicket request, RowFilter filter, PartitionedRead partitioned,
      ObjectPath path, ServerStreamListener listener, CallRecord call) {
    if (parts.objects().confirmsEveryRead()) {
      return false; // a store call first: not on gRPC's thread
    }
    // A pinned read (a resumed stream) takes its version if the tier holds it, whatever is current.
    String etag = request.version() != null ? request.version()
        : parts.objects().versionToServe(path).map(ObjectVersion::etag).orElse(null);
    if (etag == null) {
      return false;
    }
    DecodedFile file = parts.memory().retain(new CacheKey(path.uri(), etag));
    if (file == null) {
      return false;
    }
    call.cache(CallRecord.Cache.MEMORY_HIT); // false below releases the file: the disk tier reads
    return memoryStreams.start(file, MemoryStream.Origin.HIT, request, filter, partitioned, listener);
  }

  /**
   * What this node caches, in both tiers: one FlightInfo per object whose path starts with the
   * criteria (UTF-8; empty lists everything), see {@link CachedFlights}.
   */
  @Override
  public void listFlights(CallContext context, Criteria criteria,
      StreamListener<FlightInfo> listener) {
    try {
      byte[] expression = criteria.getExpression();
      String prefix = expression == null ? "" : new String(expression, StandardCharsets.UTF_8);
      CallRecord.of(context).path(prefix.isEmpty() ? null : prefix);
      Location self = location(parts.self().get());
      for (FlightInfo info : CachedFlights.list(parts.disk(), parts.memory(), prefix, self)) {
        listener.onNext(info);
      }
      listener.onCompleted();
    } catch (Exception e) {
      listener.onError(Errors.toFlight(e, "ListFlights"));
    }
  }

  @Override
  public void doAction(CallContext context, Action action, StreamListener<Result> listener) {
    CallRecord call = CallRecord.of(context);
    call.action(action.getType());
    try {
      Access.checkAction(context, action.getType(), betweenNodes(action));
    } catch (FlightRuntimeException refused) {
      listener.onError(refused);
      return;
    }
    if (AdminActions.handles(action.getType())) {
      admin.run(context, action, listener);
      return;
    }
    try {
      byte[] body = switch (action.getType()) {
        case Actions.STATS -> stats().toJsonBytes();
        case Actions.RING -> ring().toJsonBytes();
        case OWNER_INFO -> ownerInfo(action.getBody(), call);
        default -> throw Errors.invalid("unknown action \"%s\"; this node answers: %s, %s, %s",
            action.getType(), Actions.STATS, Actions.RING,
            String.join(", ", AdminActions.DESCRIPTIONS.keySet()));
      };
      listener.onNext(new Result(body));
      listener.onCompleted();
    } catch (Exception e) {
      listener.onError(Errors.toFlight(e, "DoAction " + action.getType()));
    }
  }

  /**
   * Whether {@code action} is one that nodes call on each other, which a node token may call: a
   * path's FlightInfo asked of its owner, or the share of a warm a node forwards to an owner
   * ({@code "local": true}; a body that does not parse is no such share).
   */
  private static boolean betweenNodes(Action action) {
    if (OWNER_INFO.equals(action.getType())) {
      return true;
    }
    if (!Actions.WARM.equals(action.getType())) {
      return false;
    }
    try {
      return Boolean.TRUE.equals(WarmRequest.parse(action.getBody()).local());
    } catch (RuntimeException notAShare) {
      return false;
    }
  }

  private byte[] ownerInfo(byte[] ticket, CallRecord call) throws Exception {
    ReadTicket request = ReadTicket.parse(ticket);
    call.path(request.routingPath());
    ObjectPath path = ObjectPath.parse(request.path());
    // Asked as an owner: it fills its cache whatever its own view says.
    FlightInfo info = localInfo(FlightDescriptor.command(ticket), request, RowFilter.of(request),
        path, owners(path.uri()), call, true);
    ByteBuffer serialized = info.serialize();
    byte[] bytes = new byte[serialized.remaining()];
    serialized.get(bytes);
    return bytes;
  }

  private NodeStats stats() {
    Member member = parts.self().get();
    DiskCache disk = parts.disk();
    MemoryTier memory = parts.memory();
    long served = memory.hits() + disk.hits();
    long lookedUp = served + disk.misses() + disk.bypasses();
    return new NodeStats(member.id(), member.location(), disk.capacityBytes(), disk.usedBytes(),
        disk.entries(), disk.hits(), disk.misses(), disk.bypasses(), disk.downloads(),
        disk.evictions(), parts.allocator().getAllocatedMemory(), misrouted.sum(),
        new NodeStats.Memory(memory.capacityBytes(), memory.usedBytes(), memory.allocatedBytes(),
            memory.entries(), memory.hits(), memory.misses(), memory.admissions(),
            memory.rejections(), memory.evictions(), memory.skipped()),
        lookedUp == 0 ? 0 : (double) served / lookedUp, NativeMemory.reservedBytes(),
        disk.pinnedEntries(), disk.pinnedBytes(), doGets.sum(), parts.spool().spooledStreams(),
        parts.spool().usedBytes());
  }

  private RingState ring() {
    Membership membership = parts.membership();
    RingView view = membership.view();
    return new RingState(parts.self().get().id(), membership.source(), membership.reachable(),
        parts.replicas(), view.epoch(), view.members());
  }

  @Override
  public void listActions(CallContext context, StreamListener<ActionType> listener) {
    listener.onNext(new ActionType(Actions.STATS, "node and cache counters as JSON"));
    listener.onNext(new ActionType(Actions.RING, "the node's ring view as JSON"));
    AdminActions.DESCRIPTIONS.forEach((name, description) ->
        listener.onNext(new ActionType(name, description)));
    listener.onCompleted();
  }

  /** A command descriptor holds a ticket; a path descriptor holds one object URI. */
  private static ReadTicket requestOf(FlightDescriptor descriptor) {
    if (descriptor.isCommand()) {
      return ReadTicket.parse(descriptor.getCommand());
    }
    List<String> path = descriptor.getPath();
    if (path.size() != 1) {
      throw Errors.invalid("a path descriptor must hold exactly one URI such as "
          + "s3://bucket/key.parquet; got %d elements", path.size());
    }
    return ReadTicket.of(path.get(0));
  }

  private static Location location(Member member) {
    return new Location(java.net.URI.create(member.location()));
  }
}
