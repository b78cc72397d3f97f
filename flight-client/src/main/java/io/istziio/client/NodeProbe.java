package io.istziio.client;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.CallOptions;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;

/**
 * Tells a slow node from a frozen one: a stream that has waited the stall timeout for its next
 * message may come from a node busy with a cold miss (the schema follows the download) or on a
 * starved CPU, or from one that stopped (SIGSTOP, a black-holed network). A ListActions call with
 * a short deadline, on the same channel, tells them apart: a node whose process runs answers it
 * (any status but UNAVAILABLE, DEADLINE_EXCEEDED or CANCELLED counts as an answer), one that is
 * frozen does not.
 *
 * <p>The node uses {@link #answers(FlightClient, Duration)} the same way for the calls it forwards
 * to an owner.
 *
 * <p>Threads: probes run on daemon threads of their own; the reads waiting on one node share one
 * probe ({@link #inFlight} holds it until it completes, so a node is asked once however many of
 * its streams wait).
 */
public final class NodeProbe implements AutoCloseable {

  /** The longest a probe waits for its answer; shorter when the stall timeout is. */
  public static final Duration MAX_DEADLINE = Duration.ofSeconds(2);

  private final FlightClientPool pool;
  private final Map<String, CompletableFuture<Boolean>> inFlight = new ConcurrentHashMap<>();
  private final ExecutorService probes = Executors.newCachedThreadPool(runnable -> {
    Thread thread = new Thread(runnable, "istziio-probe");
    thread.setDaemon(true);
    return thread;
  });

  NodeProbe(FlightClientPool pool) {
    this.pool = pool;
  }

  /**
   * Whether the node at {@code location} answers within {@code deadline}; completes with false
   * if the probe cannot run (the client is closing).
   */
  CompletableFuture<Boolean> answers(String location, Duration deadline) {
    return inFlight.computeIfAbsent(location, key -> {
      CompletableFuture<Boolean> answer = new CompletableFuture<>();
      try {
        probes.execute(() -> {
          boolean alive = ask(key, deadline);
          inFlight.remove(key, answer);
          answer.complete(alive);
        });
      } catch (RejectedExecutionException closed) {
        answer.complete(false);
        return answer; // left in the map: the client is closed, nothing asks again
      }
      return answer;
    });
  }

  private boolean ask(String location, Duration deadline) {
    try {
      return answers(pool.get(location), deadline);
    } catch (RuntimeException e) {
      return false; // the pool is closed
    }
  }

  /**
   * Whether the node behind {@code client} answers a ListActions call within {@code deadline}:
   * any status but UNAVAILABLE, DEADLINE_EXCEEDED or CANCELLED is an answer. Blocks up to the
   * deadline.
   */
  public static boolean answers(FlightClient client, Duration deadline) {
    try {
      client.listActions(CallOptions.timeout(deadline.toMillis(), TimeUnit.MILLISECONDS))
          .forEach(type -> { });
      return true;
    } catch (FlightRuntimeException e) {
      FlightStatusCode code = e.status().code();
      return code != FlightStatusCode.UNAVAILABLE && code != FlightStatusCode.TIMED_OUT
          && code != FlightStatusCode.CANCELLED;
    }
  }

  @Override
  public void close() {
    probes.shutdownNow();
  }
}
