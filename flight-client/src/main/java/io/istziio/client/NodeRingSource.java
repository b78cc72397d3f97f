package io.istziio.client;

import io.istziio.client.protocol.Actions;
import io.istziio.client.protocol.RingState;
import io.istziio.ring.Membership;
import io.istziio.ring.RingView;
import java.net.URI;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.CallOptions;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Result;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's ring view taken from the nodes themselves (the {@code ring} action), for clients
 * without access to Redis: asked of the seeds and every known member in turn, every refresh
 * interval and whenever a read finds a node unreachable.
 */
final class NodeRingSource implements Membership {

  private static final Logger LOG = LoggerFactory.getLogger(NodeRingSource.class);
  /** Deadline of a ring call, and of those made before any node has answered. */
  private static final long CALL_SECONDS = 5;
  private static final long FIRST_CALL_SECONDS = 15;

  private final List<URI> seeds;
  private final FlightClientPool clients;
  private final ScheduledExecutorService scheduler;
  private final List<Consumer<RingView>> listeners = new CopyOnWriteArrayList<>();
  private volatile RingState state;
  private volatile boolean reachable;
  private final AtomicBoolean pending = new AtomicBoolean();

  NodeRingSource(List<URI> seeds, FlightClientPool clients, Duration refresh) {
    this.seeds = List.copyOf(seeds);
    this.clients = clients;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "istziio-client-ring");
      thread.setDaemon(true);
      return thread;
    });
    refresh(); // the first view, before the client is used
    scheduler.scheduleWithFixedDelay(this::refresh, refresh.toMillis(), refresh.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** Asks for a new view soon, off the caller's thread; requests while one is pending merge. */
  void refreshSoon() {
    if (pending.compareAndSet(false, true)) {
      try {
        scheduler.execute(() -> {
          pending.set(false);
          refresh();
        });
      } catch (RejectedExecutionException closed) {
        pending.set(false);
      }
    }
  }

  private synchronized void refresh() {
    Set<URI> candidates = new LinkedHashSet<>();
    if (state != null) {
      state.members().forEach(m -> candidates.add(URI.create(m.location())));
    }
    candidates.addAll(seeds);
    // The first call also makes the channel: a fresh JVM on a loaded machine has taken over 5 s
    // to connect to a node that answered at once (a refused connection still fails at once).
    long deadline = state == null ? FIRST_CALL_SECONDS : CALL_SECONDS;
    String failure = null;
    for (URI candidate : candidates) {
      try {
        Iterator<Result> results = clients.get(new Location(candidate))
            .doAction(new Action(Actions.RING), CallOptions.timeout(deadline, TimeUnit.SECONDS));
        RingState next = RingState.fromJson(results.next().getBody());
        results.forEachRemaining(r -> { });
        RingState previous = state;
        state = next;
        reachable = true;
        if (previous == null || previous.epoch() != next.epoch()
            || !previous.members().equals(next.members())) {
          RingView view = next.view();
          listeners.forEach(listener -> listener.accept(view));
        }
        return;
      } catch (RuntimeException e) {
        failure = e instanceof org.apache.arrow.flight.FlightRuntimeException flight
            ? flight.status().code() + ": " + ConnectionFailures.describe(flight) : e.toString();
        LOG.debug("ring view not available from {}: {}", candidate, e.getMessage());
      }
    }
    if (reachable || state == null) {
      LOG.warn("no node answered for the ring view (asked {}; the last said {}); keeping the last "
          + "view", candidates, failure);
    }
    reachable = false;
  }

  /** Owners per path as the nodes count them; 0 before any node answered. */
  int replicas() {
    RingState current = state;
    return current == null ? 0 : current.replicas();
  }

  @Override
  public RingView view() {
    RingState current = state;
    return current == null ? RingView.empty() : current.view();
  }

  @Override
  public void onChange(Consumer<RingView> listener) {
    listeners.add(listener);
  }

  @Override
  public String source() {
    return "nodes";
  }

  @Override
  public boolean reachable() {
    return reachable;
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }

}
