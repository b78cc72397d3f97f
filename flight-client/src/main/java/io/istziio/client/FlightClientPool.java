package io.istziio.client;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContext;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
  /**
   * A client, its channel when the pool made it, and the allocator of its streams' batches (a
   * child of the pool's, so a dropped client is closed only once its batches are released).
   * Closed once, by whichever of the dropping thread and {@link #close} comes first.
   */
  private record Pooled(FlightClient client, ManagedChannel channel, BufferAllocator batches,
      AtomicBoolean closed) implements AutoCloseable {
    Pooled(FlightClient client, ManagedChannel channel, BufferAllocator batches) {
      this(client, channel, batches, new AtomicBoolean());
    }

    @Override
    public void close() throws Exception {
      if (closed.compareAndSet(false, true)) {
        AutoCloseables.close(client, batches);
      }
    }
  }

  /** By location URI as members advertise it: a read looks its owner up without parsing a URI. */
  private final Map<String, Pooled> clients = new ConcurrentHashMap<>();
  /** Dropped clients not yet closed: {@link #close} closes them too. */
  private final Set<Pooled> dropped = ConcurrentHashMap.newKeySet();
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
    BufferAllocator batches = allocator.newChildAllocator("flight-client " + location, 0,
        Long.MAX_VALUE);
    boolean secure = "grpc+tls".equals(uri.getScheme());
    if (!secure && !"grpc+tcp".equals(uri.getScheme()) && !"grpc".equals(uri.getScheme())) {
      return new Pooled(FlightClient.builder(batches, new Location(uri)).build(), null, batches);
    }
    NettyChannelBuilder builder = NettyChannelBuilder.forAddress(uri.getHost(), uri.getPort())
        .maxInboundMessageSize(Integer.MAX_VALUE)
        .flowControlWindow(WINDOW_BYTES)
        .intercept(new BearerToken(security::token));
    ManagedChannel channel = (secure ? builder.sslContext(tls()) : builder.usePlaintext()).build();
    return new Pooled(FlightGrpcUtils.createFlightClient(batches, channel), channel, batches);
  }

  /** Whether {@code client} is still the pool's client of {@code location} (not dropped since). */
  boolean holds(String location, FlightClient client) {
    Pooled pooled = clients.get(location);
    return pooled != null && pooled.client() == client;
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
   * allocator) is closed only when the calls still running on the channel have ended and their
   * streams have released their batches, by themselves or after {@link #EVICTED_GRACE}, on a
   * thread of its own: closing it at once would break reads that are going well on a channel
   * another read found broken.
   */
  public void evict(String location) {
    Pooled pooled = clients.remove(location);
    if (pooled == null) {
      return;
    }
    dropped.add(pooled);
    Thread closer = new Thread(() -> {
      try {
        long end = System.nanoTime() + EVICTED_GRACE.toNanos();
        if (pooled.channel() != null) {
          pooled.channel().shutdown();
          if (!pooled.channel().awaitTermination(EVICTED_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
            pooled.channel().shutdownNow();
          }
        }
        // A call has ended when its last message arrived; its reader may still hold the batch.
        while (pooled.batches().getAllocatedMemory() > 0 && System.nanoTime() - end < 0) {
          Thread.sleep(100);
        }
        pooled.close();
      } catch (Exception e) {
        // the channel is being dropped anyway
      } finally {
        dropped.remove(pooled);
      }
    }, "istziio-evict");
    closer.setDaemon(true);
    closer.start();
  }

  @Override
  public void close() throws Exception {
    closed = true;
    for (Pooled pooled : dropped) {
      if (pooled.channel() != null) {
        pooled.channel().shutdownNow();
      }
    }
    AutoCloseables.close(clients.values(), dropped);
    clients.clear();
  }
}
