package io.istziio.client;

import io.istziio.ring.Member;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Nodes this client just failed over from (unreachable, reset, or stalled without answering a
 * ping), tried after a path's other owners for {@link #PERIOD_NANOS}: a node cut off from this
 * client would otherwise make every read that chose it wait out the stall bound again (the test
 * bed's node-cut-from-clients replay queued its reads behind those waits until a request took 34
 * s). A read that a suspect serves clears it at once. The same rule as the Python package's for
 * GetFlightInfo ({@code istziio.client.ASK_LAST_SECONDS}).
 *
 * <p>Thread-safe: a concurrent map from location to the end of its suspicion.
 */
final class SuspectNodes {

  /** 10 s, as the Python package's ASK_LAST_SECONDS. */
  static final long PERIOD_NANOS = 10_000_000_000L;

  private final Map<String, Long> until = new ConcurrentHashMap<>();
  private final LongSupplier clock;

  SuspectNodes() {
    this(System::nanoTime);
  }

  /** @param clock nanoseconds, as {@link System#nanoTime} */
  SuspectNodes(LongSupplier clock) {
    this.clock = clock;
  }

  /** The node at {@code location} failed a read: ask it last for a while. */
  void suspect(String location) {
    until.put(location, clock.getAsLong() + PERIOD_NANOS);
  }

  /** The node at {@code location} served a read. */
  void clear(String location) {
    until.remove(location);
  }

  boolean suspected(String location) {
    Long end = until.get(location);
    if (end == null) {
      return false;
    }
    if (end - clock.getAsLong() <= 0) {
      until.remove(location, end);
      return false;
    }
    return true;
  }

  /** {@code owners} without the suspected ones, in the same order; all of them if all are. */
  List<Member> unsuspected(List<Member> owners) {
    List<Member> healthy = new ArrayList<>(owners.size());
    for (Member owner : owners) {
      if (!suspected(owner.location())) {
        healthy.add(owner);
      }
    }
    return healthy.isEmpty() ? owners : healthy;
  }
}
