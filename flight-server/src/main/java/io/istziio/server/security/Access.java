package io.istziio.server.security;

import io.istziio.client.protocol.Actions;
import io.istziio.client.protocol.TokenFile.Role;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightProducer.CallContext;

/**
 * Which roles may call which action, once {@link TokenAuth} has let the call in: the actions nodes
 * call on each other need a node or admin token, the other admin actions ({@link Actions#ADMIN})
 * an admin token, the rest (stats, ring) any token. A node without a token file has no
 * TokenAuth, and lets every call through.
 */
public final class Access {

  private Access() {}

  /**
   * @param internal whether the call is one that nodes make on each other (an owner's FlightInfo,
   *     a forwarded warm's share)
   * @throws org.apache.arrow.flight.FlightRuntimeException UNAUTHORIZED, saying which role the
   *     action needs
   */
  public static void checkAction(CallContext context, String action, boolean internal) {
    TokenAuth auth = context.getMiddleware(TokenAuth.KEY);
    if (auth == null) {
      return;
    }
    if (!internal && Actions.ADMIN.contains(action) && auth.role() != Role.ADMIN) {
      throw CallStatus.UNAUTHORIZED.withDescription("\"" + action + "\" is an admin action: send "
          + "a token marked admin in the node's --token-file").toRuntimeException();
    }
    if (internal && !auth.role().mayCallNodes()) {
      throw CallStatus.UNAUTHORIZED.withDescription("\"" + action + "\" is called by nodes on each "
          + "other: it needs a token marked node or admin in the node's --token-file")
          .toRuntimeException();
    }
  }
}
