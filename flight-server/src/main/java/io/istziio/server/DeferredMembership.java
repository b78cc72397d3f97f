package io.istziio.server;

import io.istziio.ring.Membership;
import io.istziio.ring.RingView;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/** The membership a node has once it has joined; before that, an empty placeholder. */
final class DeferredMembership implements Membership {

  private final AtomicReference<Membership> current;

  DeferredMembership(AtomicReference<Membership> current) {
    this.current = current;
  }

  @Override
  public RingView view() {
    return current.get().view();
  }

  @Override
  public void onChange(Consumer<RingView> listener) {
    current.get().onChange(listener);
  }

  @Override
  public String source() {
    return current.get().source();
  }

  @Override
  public boolean reachable() {
    return current.get().reachable();
  }
}
