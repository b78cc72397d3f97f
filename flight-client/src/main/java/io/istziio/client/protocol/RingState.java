package io.istziio.client.protocol;

import io.istziio.ring.Member;
import io.istziio.ring.RingView;
import java.util.List;

/**
 * A node's ring view, as the {@link Actions#RING} action reports it.
 *
 * @param node the id of the node that answered
 * @param source where its view comes from: "redis" or "static"
 * @param reachable false while that source cannot be reached and the last view is kept
 * @param replicas how many owners each path has (the primary included)
 * @param epoch the view's epoch
 * @param members the live members, ordered by id
 */
public record RingState(String node, String source, boolean reachable, int replicas, long epoch,
    List<Member> members) {

  public RingView view() {
    return RingView.of(epoch, members);
  }

  public byte[] toJsonBytes() {
    return Json.write(this);
  }

  public static RingState fromJson(byte[] json) {
    return Json.read(json, RingState.class);
  }
}
