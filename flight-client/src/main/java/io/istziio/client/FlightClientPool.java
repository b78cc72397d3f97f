package io.istziio.client;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContext;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
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
  /** How long an evicted channel's running calls may go on before they are cut. */
  static final Duration EVICTED_GRACE = Duration.ofMinutes(10);

  private final BufferAllocator allocator;
  /** A client and, when the pool made it, its channel. */
  private record Pooled(FlightClient client, ManagedChannel channel) {}

  /** By location URI as members advertise it: a read looks its owner up without parsing a URI. */
  private final Map<String, Pooled> clients = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private final ClientSecurity security;
  private SslContext tls; // of grpc+tls:// channels, made on first use; guarded by this

  public FlightClientPool(BufferAllocator allocator) {
    this(allocator, ClientSecurity.none());
  }

  /**
   * A pool whose clients trust the security's CA bundle for {@code grpc+tls://} locations and
   * send its bearer token on every call.
   */
  public FlightClientPool(BufferAllocator allocator, ClientSecurity security) {
    this.allocator = allocator;
    this.security = security;
  }

  private synchronized SslContext tls() {
    if (tls == null) {
      tls = security.sslContext();
    }
    return tls;
  }

  public FlightClient get(Location location) {
    return get(location.getUri().toString());
  }

  /** The client of a location such as {@code grpc+tcp://10.0.0.1:8815}. */
  public FlightClient get(String location) {
    if (closed) {
      throw new IllegalStateException("the client pool is closed");
    }
    return clients.computeIfAbsent(location, this::open).client();
  }

  /**
   * A plaintext or TLS location gets a channel of our own, with an HTTP/2 flow-control window of
   * {@link #WINDOW_BYTES} (gRPC's default is 1 MiB): a node streams a large hit only as fast as
   * the window lets it; it sends the bearer token, if any, on every call. Other schemes get
   * Flight's own builder.
   */
  private Pooled open(String location) {
    URI uri = URI.create(location);
    boolean secure = "grpc+tls".equals(uri.getScheme());
    if (!secure && !"grpc+tcp".equals(uri.getScheme()) && !"grpc".equals(uri.getScheme())) {
      return new Pooled(FlightClient.builder(allocator, new Location(uri)).build(), null);
    }
    NettyChannelBuilder builder = NettyChannelBuilder.forAddress(uri.getHost(), uri.getPort())
        .maxInboundMessageSize(Integer.MAX_VALUE)
        .flowControlWindow(WINDOW_BYTES)
        .intercept(new BearerToken(security::token));
    ManagedChannel channel = (secure ? builder.sslContext(tls()) : builder.usePlaintext()).build();
    return new Pooled(FlightGrpcUtils.createFlightClient(allocator, channel), channel);
  }

  /**
   * Drops the client of a location that failed: gRPC keeps a broken channel in reconnect backoff
   * for up to two minutes, so the next call should make a fresh one.
   */
  public void evict(Location location) {
    evict(location.getUri().toString());
  }

  /**
   * The same, by location URI. The channel stops taking new calls at once; the client (and its
   * allocator) is closed only when the calls still running on the channel have ended, by
   * themselves or after {@link #EVICTED_GRACE}, on a thread of its own: closing it at once would
   * break reads that are going well on a channel another read found broken.
   */
  public void evict(String location) {
    Pooled pooled = clients.remove(location);
    if (pooled == null) {
      return;
    }
    Thread closer = new Thread(() -> {
      try {
        if (pooled.channel() != null) {
          pooled.channel().shutdown();
          if (!pooled.channel().awaitTermination(EVICTED_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
            pooled.channel().shutdownNow();
          }
        }
        pooled.client().close();
      } catch (Exception e) {
        // the channel is being dropped anyway
      }
    }, "istziio-evict");
    closer.setDaemon(true);
    closer.start();
  }

  @Override
  public void close() throws Exception {
    closed = true;
    AutoCloseables.close(clients.values().stream().map(Pooled::client).toList());
    clients.clear();
  }
}
