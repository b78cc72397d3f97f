package io.istziio.server.flight;

import io.istziio.client.protocol.Actions;
import io.istziio.client.protocol.NodeStats;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.ring.Member;
import io.istziio.server.Errors;
import io.istziio.server.cache.DiskCache;
import io.istziio.server.cache.Lease;
import io.istziio.server.cache.ObjectCache;
import io.istziio.server.filter.RowFilter;
import io.istziio.server.parquet.ParquetFooter;
import io.istziio.server.parquet.ParquetScan;
import io.istziio.server.store.ObjectPath;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.ActionType;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The node's Flight service: GetFlightInfo and GetSchema describe a ticket's result, DoGet streams
 * it, DoAction answers the admin actions.
 */
public final class NodeProducer extends NoOpFlightProducer {

  private final Supplier<Member> self;
  private final BufferAllocator allocator;
  private final ObjectCache objects;
  private final DiskCache disk;
  private final long batchRows;
  private final Executor streams;

  /**
   * @param self this node's id and advertised location, known once its port is bound
   * @param streams runs each DoGet stream; see {@link #getStream}
   */
  public NodeProducer(Supplier<Member> self, BufferAllocator allocator, ObjectCache objects,
      DiskCache disk, long batchRows, Executor streams) {
    this.self = self;
    this.streams = streams;
    this.allocator = allocator;
    this.objects = objects;
    this.disk = disk;
    this.batchRows = batchRows;
  }

  @Override
  public FlightInfo getFlightInfo(CallContext context, FlightDescriptor descriptor) {
    try {
      ReadTicket request = requestOf(descriptor);
      RowFilter filter = RowFilter.of(request);
      ObjectPath path = ObjectPath.parse(request.path());
      // A miss here downloads the object, so the DoGet that follows is a hit.
      try (Lease lease = objects.open(path);
          BufferAllocator scratch = allocator.newChildAllocator("flight-info", 0, Long.MAX_VALUE);
          ParquetScan scan = ParquetScan.open(scratch, lease.path(), path.uri())) {
        Schema schema = scan.project(request.columns());
        ParquetFooter footer = ParquetFooter.read(lease.path(), path.uri());
        if (filter != null) {
          filter.compile(scan.fileSchema()); // a bad predicate fails here, before any DoGet
        }
        Location location = new Location(self.get().location());
        FlightEndpoint endpoint = new FlightEndpoint(new Ticket(request.toJsonBytes()), location);
        // With a filter, how many rows and bytes match is unknown until the scan.
        return new FlightInfo(schema, descriptor, List.of(endpoint),
            filter != null ? -1 : footer.bytes(request.columns()), filter != null ? -1 : footer.rows());
      }
    } catch (Exception e) {
      throw Errors.toFlight(e, "GetFlightInfo " + descriptor);
    }
  }

  /**
   * Hands the stream to its own thread and returns: gRPC delivers a call's flow-control callbacks
   * on the thread that runs this method, so a stream that waited here for the client to be ready
   * would never hear that it is.
   */
  @Override
  public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
    ReadTicket request;
    RowFilter filter;
    try {
      request = ReadTicket.parse(ticket.getBytes());
      filter = RowFilter.of(request);
    } catch (RuntimeException e) {
      listener.error(Errors.toFlight(e, "DoGet"));
      return;
    }
    streams.execute(new DoGetStream(request, filter, objects, allocator, batchRows, listener)::run);
  }

  @Override
  public void doAction(CallContext context, Action action, StreamListener<Result> listener) {
    if (!Actions.STATS.equals(action.getType())) {
      listener.onError(Errors.invalid("unknown action \"%s\"; this node answers: %s",
          action.getType(), Actions.STATS));
      return;
    }
    Member member = self.get();
    NodeStats stats = new NodeStats(member.id(), member.location(), disk.capacityBytes(),
        disk.usedBytes(), disk.entries(), disk.hits(), disk.misses(), disk.bypasses(),
        disk.downloads(), disk.evictions(), allocator.getAllocatedMemory());
    listener.onNext(new Result(stats.toJsonBytes()));
    listener.onCompleted();
  }

  @Override
  public void listActions(CallContext context, StreamListener<ActionType> listener) {
    listener.onNext(new ActionType(Actions.STATS, "node and cache counters as JSON"));
    listener.onCompleted();
  }

  /** A command descriptor holds a ticket; a path descriptor holds one object URI. */
  private static ReadTicket requestOf(FlightDescriptor descriptor) {
    ReadTicket request;
    if (descriptor.isCommand()) {
      request = ReadTicket.parse(descriptor.getCommand());
    } else {
      List<String> path = descriptor.getPath();
      if (path.size() != 1) {
        throw Errors.invalid("a path descriptor must hold exactly one URI such as "
            + "s3://bucket/key.parquet; got %d elements", path.size());
      }
      request = ReadTicket.of(path.get(0));
    }
    return request;
  }
}
