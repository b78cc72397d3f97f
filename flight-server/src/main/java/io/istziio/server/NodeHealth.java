package io.istziio.server;

import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.istziio.ring.Membership;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.impl.FlightServiceGrpc;

/**
 * The node's standard gRPC health service ({@code grpc.health.v1.Health}), served on the Flight
 * port by the same server, for load balancers, Kubernetes gRPC probes and {@code grpc_health_probe}.
 *
 * <p>It answers for the whole server ({@code ""}) and for {@code arrow.flight.protocol.FlightService}
 * alike: {@code NOT_SERVING} while the node starts, {@code SERVING} once it is in the ring with a
 * complete view and its disk cache is loaded, {@code NOT_SERVING} again from the moment it starts to
 * drain, and {@code NOT_SERVING} for good once it stops. Flight's server middleware (metrics,
 * authentication) sees only Flight's own calls, so a health check needs no token.
 *
 * <p>Thread-safe: this object's monitor orders the transitions, so that a ring view arriving late
 * never turns a draining node back to SERVING; {@link HealthStatusManager} notifies the watchers.
 */
final class NodeHealth {

  /** The services a client may name in a check: the whole server and the Flight service. */
  static final List<String> SERVICES =
      List.of(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, FlightServiceGrpc.SERVICE_NAME);

  private final HealthStatusManager manager = new HealthStatusManager();
  private final HealthWatches watches = new HealthWatches();
  /** Set once the node drains or stops; guarded by this. */
  private boolean leaving;
  /** Waits for a ring view that was not complete at start; guarded by this. */
  private Thread viewWaiter;

  NodeHealth() {
    set(ServingStatus.NOT_SERVING); // the manager starts the whole server at SERVING
  }

  /**
   * Adds the health service, next to the Flight service, to the gRPC server builder that Arrow Java
   * hands the {@code grpc.builderConsumer} hint's consumer (Node makes the one consumer).
   */
  void addTo(NettyServerBuilder netty) {
    netty.addService(ServerInterceptors.intercept(manager.getHealthService(), watches));
  }

  /**
   * The node has joined the ring and loaded its disk cache: SERVING now if {@code membership}'s
   * view is complete, else (Redis unreachable at start: the node serves with itself alone) from the
   * moment it is.
   */
  synchronized void servingOnceViewed(Membership membership) throws InterruptedException {
    if (membership.awaitView(Duration.ZERO)) {
      serving();
      return;
    }
    viewWaiter = new Thread(() -> {
      try {
        while (!membership.awaitView(Duration.ofMinutes(1))) {
          // keep waiting: Redis may come back at any time
        }
        serving();
      } catch (InterruptedException e) {
        // the node stopped first
      }
    }, "istziio-health");
    viewWaiter.setDaemon(true);
    viewWaiter.start();
  }

  /** The node is ready, unless it has begun to leave meanwhile. */
  synchronized void serving() {
    if (!leaving) {
      set(ServingStatus.SERVING);
    }
  }

  /** The node is leaving: new clients should go elsewhere while it finishes what it serves. */
  synchronized void draining() {
    leaving = true;
    set(ServingStatus.NOT_SERVING);
  }

  /**
   * The node stops: every service is NOT_SERVING and stays so; watchers are told, then their
   * streams end so that the server's shutdown does not wait for them.
   */
  synchronized void stopped() {
    leaving = true;
    if (viewWaiter != null) {
      viewWaiter.interrupt();
    }
    manager.enterTerminalState();
    watches.endAll();
  }

  private void set(ServingStatus status) {
    for (String service : SERVICES) {
      manager.setStatus(service, status);
    }
  }
}
