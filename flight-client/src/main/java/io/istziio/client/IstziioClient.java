package io.istziio.client;

import io.istziio.client.protocol.Actions;
import io.istziio.client.protocol.NodeStats;
import io.istziio.client.protocol.ReadStats;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.client.protocol.RingState;
import io.istziio.ring.Member;
import io.istziio.ring.Membership;
import io.istziio.ring.RedisMembership;
import io.istziio.ring.RingView;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.CallStatus;
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
 * <pre>{@code
 * try (IstziioClient client = IstziioClient.connect("grpc+tcp://10.0.0.1:8815")) {
 *   ReadResult result = client.read(ReadTicket.of("s3://bucket/key.parquet").withFilter("a > 5"),
 *       batch -> process(batch));
 * }
 * }</pre>
 */
public final class IstziioClient implements AutoCloseable {

  private static final int DEFAULT_REPLICAS = 2;

  private final BufferAllocator allocator;
  private final FlightClientPool pool;
  private final Membership membership;
  private final NodeRingSource fromNodes; // null when the view comes from Redis
  private final List<URI> seeds;
  private final int replicas;

  private IstziioClient(List<URI> seeds, RedisMembership.Settings redis, int replicas,
      Duration refresh) {
    this.allocator = new RootAllocator();
    this.pool = new FlightClientPool(allocator);
    this.seeds = List.copyOf(seeds);
    if (redis != null) {
      this.fromNodes = null;
      this.membership = RedisMembership.watch(redis);
    } else {
      this.fromNodes = new NodeRingSource(seeds, pool, refresh);
      this.membership = fromNodes;
    }
    this.replicas = replicas;
  }

  /** A client that learns the ring from the nodes, starting from any of these locations. */
  public static IstziioClient connect(String... seedLocations) {
    return connect(0, seedLocations);
  }

  /**
   * The same, trying {@code replicas} owners per path (0: as many as the nodes keep).
   */
  public static IstziioClient connect(int replicas, String... seedLocations) {
    List<URI> seeds = List.of(seedLocations).stream().map(URI::create).toList();
    return new IstziioClient(seeds, null, replicas, Duration.ofSeconds(5));
  }

  /** A client that follows the membership in Redis, as the nodes do. */
  public static IstziioClient connectRedis(String redisUri, String cluster, int replicas) {
    return new IstziioClient(List.of(),
        new RedisMembership.Settings(redisUri, cluster, Duration.ofSeconds(3)), replicas,
        Duration.ZERO);
  }

  /** The client's current view of the ring. */
  public RingView view() {
    return membership.view();
  }

  /** The nodes a read of {@code path} tries, in order: its owners in the client's view. */
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
   * the consumer sees every row once.
   *
   * @throws FlightRuntimeException the node's error (INVALID_ARGUMENT, NOT_FOUND...), or
   *     UNAVAILABLE naming the nodes tried when none could serve
   */
  public ReadResult read(ReadTicket ticket, BatchConsumer consumer) throws Exception {
    long delivered = 0;
    List<String> tried = new ArrayList<>();
    for (Member node : owners(ticket.path())) {
      try (FlightStream stream = pool.get(node.location()).getStream(ticket.toFlightTicket())) {
        long skip = delivered;
        VectorSchemaRoot root = stream.getRoot();
        while (stream.next()) {
          int rows = root.getRowCount();
          if (skip >= rows) {
            skip -= rows;
            continue;
          }
          if (skip > 0) {
            try (VectorSchemaRoot rest = root.slice((int) skip, (int) (rows - skip))) {
              rest.setRowCount((int) (rows - skip)); // a root with no columns keeps no count
              consumer.accept(rest);
            }
          } else {
            consumer.accept(root);
          }
          delivered += rows - skip;
          skip = 0;
        }
        return new ReadResult(node, delivered, ReadStats.from(stream), tried.size());
      } catch (FlightRuntimeException e) {
        if (!nodeFailed(e)) {
          throw e;
        }
        tried.add(node.id() + " (" + e.status().description() + ")");
        if (e.status().code() != FlightStatusCode.RESOURCE_EXHAUSTED) { // busy, not broken
          pool.evict(node.location());
          if (fromNodes != null) {
            fromNodes.refreshSoon();
          }
        }
      }
    }
    throw CallStatus.UNAVAILABLE.withDescription("no owner of " + ticket.path()
        + " could be reached; tried " + String.join(", ", tried)).toRuntimeException();
  }

  /**
   * Whether a read failed because of the node rather than the request: it could not be reached,
   * it reset the stream (a node that stops dies with RST_STREAM, which gRPC reports as
   * CANCELLED; this client never cancels a read itself), or it is serving all the streams it may
   * (RESOURCE_EXHAUSTED, --max-streams), where a replica may not be.
   */
  private static boolean nodeFailed(FlightRuntimeException e) {
    FlightStatusCode code = e.status().code();
    return code == FlightStatusCode.UNAVAILABLE || code == FlightStatusCode.CANCELLED
        || code == FlightStatusCode.RESOURCE_EXHAUSTED;
  }

  /** GetFlightInfo from the path's owner (or the next one that answers). */
  public FlightInfo info(ReadTicket ticket) {
    List<String> tried = new ArrayList<>();
    for (Member node : owners(ticket.path())) {
      try {
        return pool.get(node.location()).getInfo(FlightDescriptor.command(ticket.toJsonBytes()));
      } catch (FlightRuntimeException e) {
        if (e.status().code() != FlightStatusCode.UNAVAILABLE) {
          throw e;
        }
        tried.add(node.id());
        pool.evict(node.location());
      }
    }
    throw CallStatus.UNAVAILABLE.withDescription("no owner of " + ticket.path()
        + " could be reached; tried " + String.join(", ", tried)).toRuntimeException();
  }

  /** A node's counters. */
  public NodeStats stats(String location) {
    return NodeStats.fromJson(action(location, Actions.STATS));
  }

  /** A node's ring view. */
  public RingState ring(String location) {
    return RingState.fromJson(action(location, Actions.RING));
  }

  private byte[] action(String location, String name) {
    Iterator<Result> results = pool.get(location).doAction(new Action(name));
    byte[] body = results.next().getBody();
    results.forEachRemaining(r -> { });
    return body;
  }

  @Override
  public void close() throws Exception {
    AutoCloseables.close(membership, pool, allocator);
  }
}
