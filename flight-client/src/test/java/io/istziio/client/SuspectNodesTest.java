package io.istziio.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.ring.Member;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A node that failed a read is tried last for 10 s, on a clock the test moves. */
class SuspectNodesTest {

  private static final Member A = new Member("a", "grpc+tcp://a:1", 1);
  private static final Member B = new Member("b", "grpc+tcp://b:1", 1);
  private static final Member C = new Member("c", "grpc+tcp://c:1", 1);

  private final AtomicLong now = new AtomicLong(1_000);
  private final SuspectNodes suspects = new SuspectNodes(now::get);

  @Test
  void aSuspectIsLeftOutForTenSecondsThenAskedAgain() {
    suspects.suspect(A.location());
    assertEquals(List.of(B, C), suspects.unsuspected(List.of(A, B, C)));
    now.addAndGet(SuspectNodes.PERIOD_NANOS - 1);
    assertTrue(suspects.suspected(A.location()));
    now.addAndGet(1);
    assertFalse(suspects.suspected(A.location()));
    assertEquals(List.of(A, B, C), suspects.unsuspected(List.of(A, B, C)));
  }

  @Test
  void aReadServedByASuspectClearsIt() {
    suspects.suspect(B.location());
    suspects.clear(B.location());
    assertEquals(List.of(A, B), suspects.unsuspected(List.of(A, B)));
  }

  @Test
  void whenEveryOwnerIsSuspectedAllAreAskedInRingOrder() {
    suspects.suspect(A.location());
    suspects.suspect(B.location());
    assertEquals(List.of(A, B), suspects.unsuspected(List.of(A, B)));
    assertEquals(List.of(C), suspects.unsuspected(List.of(A, C, B)).subList(0, 1));
  }
}
