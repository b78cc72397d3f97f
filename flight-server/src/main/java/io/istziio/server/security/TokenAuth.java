package io.istziio.server.security;

import io.istziio.client.protocol.TokenFile.Role;
import java.util.function.BiConsumer;
import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.CallInfo;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightMethod;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightServerMiddleware;
import org.apache.arrow.flight.RequestContext;

/**
 * The bearer token check of every Flight call, as a server middleware: a call without
 * {@code authorization: Bearer <token>}, or with a token the node's {@link TokenStore} does not
 * hold, is refused with UNAUTHENTICATED before it reaches the producer (Flight closes the call
 * with the status {@link Factory#onCallStarted} throws). The call's middleware instance carries
 * the token's role, for {@link Access} to check actions against. Only the Flight service passes
 * through here: Flight's interceptor lets other gRPC services on the port (such as the health
 * service) through untouched.
 */
public final class TokenAuth implements FlightServerMiddleware {

  public static final Key<TokenAuth> KEY = Key.of("istziio-token");
  static final String HOW = "send a token from the node's --token-file as 'authorization: Bearer "
      + "<token>'";

  private final Role role;

  private TokenAuth(Role role) {
    this.role = role;
  }

  /** The role of the call's token. */
  public Role role() {
    return role;
  }

  /**
   * Checks each call's token against {@code tokens}; {@code refused} is told of each call refused
   * (the call's method and status), for the node's request counters.
   */
  public static FlightServerMiddleware.Factory<TokenAuth> factory(TokenStore tokens,
      BiConsumer<FlightMethod, CallStatus> refused) {
    return new Factory(tokens, refused);
  }

  private record Factory(TokenStore tokens, BiConsumer<FlightMethod, CallStatus> refused)
      implements FlightServerMiddleware.Factory<TokenAuth> {
    @Override
    public TokenAuth onCallStarted(CallInfo info, CallHeaders headers, RequestContext context) {
      String value = headers.get("authorization");
      if (value == null) {
        throw refuse(info, "this node needs a token: " + HOW);
      }
      if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
        throw refuse(info, "the authorization header is not 'Bearer <token>': " + HOW);
      }
      Role role = tokens.roleOf(value.substring(7).strip());
      if (role == null) {
        throw refuse(info, "the token is not one this node accepts: " + HOW);
      }
      return new TokenAuth(role);
    }

    private FlightRuntimeException refuse(CallInfo info, String message) {
      CallStatus status = CallStatus.UNAUTHENTICATED.withDescription(message);
      refused.accept(info.method(), status);
      return status.toRuntimeException();
    }
  }

  @Override
  public void onBeforeSendingHeaders(CallHeaders outgoingHeaders) {}

  @Override
  public void onCallCompleted(CallStatus status) {}

  @Override
  public void onCallErrored(Throwable err) {}
}
