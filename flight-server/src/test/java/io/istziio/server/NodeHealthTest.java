package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.istziio.ring.testing.RedisProcess;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.FlightClient;
import org.junit.jupiter.api.Test;

/**
 * The node's standard gRPC health service, asked by a stock gRPC health client on the Flight port:
 * NOT_SERVING until the ring view is complete, SERVING while in the ring, NOT_SERVING from the
 * first moment of a stop while the drain keeps Flight calls served, and watches ended at the stop.
 */
class NodeHealthTest extends NodeTestBase {

  private static final String FLIGHT = "arrow.flight.protocol.FlightService";

  /**
   * A node in Redis's ring; its start waits up to {@code liveness} for the first ring view (a cold
   * JVM can take more than a second for its first Redis connection).
   */
  private Node node(RedisProcess redis, Duration liveness, Duration drain) throws Exception {
    NodeConfig.Ring ring = NodeConfig.Ring.standalone()
        .withRedis(redis.uri(), "health", liveness).withDrain(drain);
    return start(config(64 << 20).withRing(ring));
  }

  private ManagedChannel channel(Node node) {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", node.port())
        .usePlaintext().build();
    track(() -> {
      channel.shutdownNow();
      channel.awaitTermination(10, TimeUnit.SECONDS);
    });
    return channel;
  }

  private static ServingStatus check(ManagedChannel channel, String service) {
    HealthCheckRequest request = HealthCheckRequest.newBuilder().setService(service).build();
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(request).getStatus();
  }

  @Test
  void servingInTheRingThenNotServingFromTheFirstMomentOfTheDrain() throws Exception {
    try (RedisProcess redis = RedisProcess.start()) {
      Node node = node(redis, Duration.ofSeconds(10), Duration.ofSeconds(5));
      ManagedChannel channel = channel(node);
      FlightClient flight = connect(node);
      String path = putSample("health/sample.parquet");
      read(flight, path); // cached, so that the read during the drain below is a quick hit

      assertEquals(ServingStatus.SERVING, check(channel, ""));
      assertEquals(ServingStatus.SERVING, check(channel, FLIGHT));
      StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class,
          () -> check(channel, "no.such.Service"));
      assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());

      // The deadline bounds the test only: without HealthWatches the watch outlived the node.
      Iterator<HealthCheckResponse> watch = HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(120, TimeUnit.SECONDS).watch(HealthCheckRequest.newBuilder().setService(FLIGHT).build());
      assertEquals(ServingStatus.SERVING, watch.next().getStatus());

      CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> {
        try {
          stop(node);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      // The watch hears the drain begin; checks say so while Flight calls are still served.
      assertEquals(ServingStatus.NOT_SERVING, watch.next().getStatus());
      assertEquals(ServingStatus.NOT_SERVING, check(channel, ""));
      assertEquals(ServingStatus.NOT_SERVING, check(channel, FLIGHT));
      assertEquals(ROWS, read(flight, path).rows().size(), "rows read during the drain");

      // At the stop the watch ends (the server does not wait for it), after its last status.
      StatusRuntimeException ended = assertThrows(StatusRuntimeException.class, watch::hasNext);
      assertEquals(Status.Code.UNAVAILABLE, ended.getStatus().getCode());
      assertEquals("the node is stopping", ended.getStatus().getDescription());
      closing.get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void notServingUntilTheRingViewIsComplete() throws Exception {
    try (RedisProcess redis = RedisProcess.start()) {
      redis.stop(); // the node starts while Redis is down: it serves alone, but is not ready
      Node node = node(redis, Duration.ofSeconds(1), Duration.ZERO);
      ManagedChannel channel = channel(node);
      assertEquals(ServingStatus.NOT_SERVING, check(channel, ""));
      assertEquals(ServingStatus.NOT_SERVING, check(channel, FLIGHT));

      redis.restart();
      waitUntil(() -> check(channel, "") == ServingStatus.SERVING);
      assertEquals(ServingStatus.SERVING, check(channel, FLIGHT));
    }
  }

  @Test
  void aNodeWithAStaticMemberListIsServingOnceStarted() throws Exception {
    Node node = start(config(64 << 20));
    ManagedChannel channel = channel(node);
    assertEquals(ServingStatus.SERVING, check(channel, ""));
    assertEquals(ServingStatus.SERVING, check(channel, FLIGHT));
  }
}
