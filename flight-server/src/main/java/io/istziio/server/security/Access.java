package io.istziio.server.security;

import io.istziio.client.protocol.Actions;
import io.istziio.client.protocol.TokenFile.Role;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightProducer.CallContext;

/**
 * Which roles may call which action, once {@link TokenAuth} has let the call in: the admin
 * actions ({@link Actions#ADMIN}) need an admin token, the internal actions nodes call on each
 * other a node or admin token; the others (stats, ring) any token. A node without a token file
 * has no TokenAuth, and lets every call through.
 */
public final class Access {

  private Access() {}

  /**
   * @param internal whether {@code action} is one that only nodes call on each other
   * @throws org.apache.arrow.flight.FlightRuntimeException UNAUTHORIZED, saying which role the
   *     action needs
   */
  public static void checkAction(CallContext context, String action, boolean internal) {
    TokenAuth auth = context.getMiddleware(TokenAuth.KEY);
    if (auth == null) {
      return;
    }
    if (Actions.ADMIN.contains(action) && auth.role() != Role.ADMIN) {
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
