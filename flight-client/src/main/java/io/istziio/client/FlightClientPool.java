package io.istziio.client;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightGrpcUtils;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;

/**
 * One Flight client per location, made on first use and shared by every thread: a gRPC channel
 * multiplexes concurrent calls, so a client per request would only add connection set-ups.
 */
public final class FlightClientPool implements AutoCloseable {

  static final int WINDOW_BYTES = 16 << 20;

  private final BufferAllocator allocator;
  /** By location URI as members advertise it: a read looks its owner up without parsing a URI. */
  private final Map<String, FlightClient> clients = new ConcurrentHashMap<>();
  private volatile boolean closed;

  public FlightClientPool(BufferAllocator allocator) {
    this.allocator = allocator;
  }

  public FlightClient get(Location location) {
    return get(location.getUri().toString());
  }

  /** The client of a location such as {@code grpc+tcp://10.0.0.1:8815}. */
  public FlightClient get(String location) {
    if (closed) {
      throw new IllegalStateException("the client pool is closed");
    }
    return clients.computeIfAbsent(location, this::open);
  }

  /**
   * A plaintext location gets a channel of our own, with an HTTP/2 flow-control window of {@link
   * #WINDOW_BYTES} (gRPC's default is 1 MiB): a node streams a large hit only as fast as the
   * window lets it; other schemes get Flight's own builder.
   */
  private FlightClient open(String location) {
    URI uri = URI.create(location);
    if (!"grpc+tcp".equals(uri.getScheme()) && !"grpc".equals(uri.getScheme())) {
      return FlightClient.builder(allocator, new Location(uri)).build();
    }
    ManagedChannel channel = NettyChannelBuilder.forAddress(uri.getHost(), uri.getPort())
        .usePlaintext()
        .maxInboundMessageSize(Integer.MAX_VALUE)
        .flowControlWindow(WINDOW_BYTES)
        .build();
    return FlightGrpcUtils.createFlightClient(allocator, channel);
  }

  /**
   * Drops the client of a location that failed: gRPC keeps a broken channel in reconnect backoff
   * for up to two minutes, so the next call should make a fresh one.
   */
  public void evict(Location location) {
    evict(location.getUri().toString());
  }

  /** The same, by location URI. */
  public void evict(String location) {
    FlightClient client = clients.remove(location);
    if (client != null) {
      // Closing shuts the channel down gracefully (calls under way finish) and waits for it, so
      // not on the caller's thread.
      CompletableFuture.runAsync(() -> {
        try {
          client.close();
        } catch (Exception e) {
          // the channel is being dropped anyway
        }
      });
    }
  }

  @Override
  public void close() throws Exception {
    closed = true;
    AutoCloseables.close(clients.values());
    clients.clear();
  }
}
