package io.istziio.ring;

import java.util.List;
import java.util.function.Consumer;

/** A fixed member list, without Redis: the embedded default for one machine. */
public final class StaticMembership implements Membership {

  private final RingView view;

  public StaticMembership(List<Member> members) {
    this.view = RingView.of(1, members);
  }

  @Override
  public RingView view() {
    return view;
  }

  @Override
  public void onChange(Consumer<RingView> listener) {
    // a fixed list never changes
  }

  @Override
  public String source() {
    return "static";
  }
}
