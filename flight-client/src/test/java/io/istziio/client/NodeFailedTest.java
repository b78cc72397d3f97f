package io.istziio.client;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.arrow.flight.CallStatus;
import org.junit.jupiter.api.Test;

/** Which failures of a read mean the node failed (go on at the next owner) and which are answers. */
class NodeFailedTest {

  @Test
  void aStreamResetByTheNodesTransportIsANodeFailure() {
    // What ClusterTest's crashed node produced once in CI: the read failed instead of moving on.
    assertTrue(IstziioClient.nodeFailed(CallStatus.INTERNAL
        .withDescription("RST_STREAM closed stream. HTTP/2 error code: INTERNAL_ERROR")
        .toRuntimeException()));
    assertTrue(IstziioClient.nodeFailed(CallStatus.UNAVAILABLE.toRuntimeException()));
  }

  @Test
  void theNodesOwnAnswersAreNot() {
    assertFalse(IstziioClient.nodeFailed(CallStatus.INTERNAL
        .withDescription("internal error (incident 1f2e3d); the node logged the details")
        .toRuntimeException()));
    assertFalse(IstziioClient.nodeFailed(CallStatus.INVALID_ARGUMENT
        .withDescription("unknown column \"x\"").toRuntimeException()));
    assertFalse(IstziioClient.nodeFailed(CallStatus.NOT_FOUND.toRuntimeException()));
  }
}
