package io.istziio.client;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;

/**
 * One Flight client per location, made on first use and shared by every thread: a gRPC channel
 * multiplexes concurrent calls, so a client per request would only add connection set-ups.
 */
public final class FlightClientPool implements AutoCloseable {

  private final BufferAllocator allocator;
  private final Map<Location, FlightClient> clients = new ConcurrentHashMap<>();
  private volatile boolean closed;

  public FlightClientPool(BufferAllocator allocator) {
    this.allocator = allocator;
  }

  public FlightClient get(Location location) {
    if (closed) {
      throw new IllegalStateException("the client pool is closed");
    }
    return clients.computeIfAbsent(location, l -> FlightClient.builder(allocator, l).build());
  }

  @Override
  public void close() throws Exception {
    closed = true;
    AutoCloseables.close(clients.values());
    clients.clear();
  }
}
