package io.istziio.client.replay;

import io.istziio.client.IstziioClient;
import io.istziio.client.ReadResult;
import io.istziio.client.protocol.ReadStats;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.ring.Member;
import java.util.List;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.vector.FieldVector;

/** Reads through the cluster with the routing client: straight to each file's owner. */
public final class ClusterSource implements Source {

  private final IstziioClient client;

  public ClusterSource(IstziioClient client) {
    this.client = client;
  }

  @Override
  public String mode() {
    return "istziio";
  }

  @Override
  public RequestRecord read(Trace.Request request, ReadTicket ticket, long startLagNanos, boolean cold) {
    long start = System.nanoTime();
    List<Member> owners = List.of();
    long routed = start;
    long[] firstBatch = {-1};
    long[] bytes = {0};
    try {
      owners = client.owners(ticket.path()); // what routing costs the client
      routed = System.nanoTime();
      ReadResult result = client.read(ticket, batch -> {
        if (firstBatch[0] < 0) {
          firstBatch[0] = System.nanoTime();
        }
        for (FieldVector vector : batch.getFieldVectors()) {
          bytes[0] += vector.getBufferSize();
        }
      });
      long end = System.nanoTime();
      long first = firstBatch[0] < 0 ? end : firstBatch[0];
      ReadStats stats = result.stats();
      return new RequestRecord(request.sequence(), request.fileIndex(), ticket.path(), mode(),
          request.atMillis(), startLagNanos, startLagNanos + end - start, routed - start, first - start,
          end - first, result.rows(), bytes[0], stats != null ? stats.cache() : null,
          stats != null ? stats.fetchNanos() : -1, stats != null ? stats.scanNanos() : -1,
          result.servedBy().id(), cold, null);
    } catch (Exception | LinkageError e) {
      String error = e instanceof FlightRuntimeException flight
          ? flight.status().code() + ": " + flight.status().description() : e.toString();
      return new RequestRecord(request.sequence(), request.fileIndex(), ticket.path(), mode(),
          request.atMillis(), startLagNanos, startLagNanos + System.nanoTime() - start, routed - start, -1, -1,
          0, bytes[0], null, -1, -1, owners.isEmpty() ? null : owners.get(0).id(), cold, error);
    }
  }

  @Override
  public void close() throws Exception {
    client.close();
  }
}
