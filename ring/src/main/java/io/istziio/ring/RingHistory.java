package io.istziio.ring;

import java.util.ArrayList;
import java.util.List;

/**
 * The few ring views a membership had before its latest one, newest first: where a path's owners
 * were before the last changes, so that a new owner can ask them for what they still hold.
 *
 * <p>Views arrive on the membership's thread and are read from any thread: updates take this
 * object's lock, readers see an immutable list through a volatile field.
 */
public final class RingHistory {

  private final int depth;
  private RingView current; // guarded by this
  private volatile List<RingView> previous = List.of();

  /** @param depth how many past views to keep (at least 1) */
  public RingHistory(int depth) {
    if (depth < 1) {
      throw new IllegalArgumentException("depth must be at least 1, got " + depth);
    }
    this.depth = depth;
  }

  /** Starts following {@code membership}: its current view is the first, and nothing before it. */
  public RingHistory follow(Membership membership) {
    synchronized (this) {
      current = membership.view();
    }
    membership.onChange(this::record);
    return this;
  }

  /**
   * Takes {@code next} as the current view, keeping the one it replaces (what {@link #follow}
   * does with each new view); a view with the same members changes nothing.
   */
  public synchronized void record(RingView next) {
    if (current != null && !current.members().equals(next.members())) {
      List<RingView> kept = new ArrayList<>(depth);
      kept.add(current);
      for (RingView older : previous) {
        if (kept.size() == depth) {
          break;
        }
        kept.add(older);
      }
      previous = List.copyOf(kept);
    }
    current = next;
  }

  /** The views before the current one, newest first; empty before the first change. */
  public List<RingView> previous() {
    return previous;
  }
}
