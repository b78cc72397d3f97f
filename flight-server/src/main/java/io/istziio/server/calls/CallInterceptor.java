package io.istziio.server.calls;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Map;
import org.apache.arrow.flight.FlightServerMiddleware;
import org.apache.arrow.flight.grpc.ServerInterceptorAdapter;

/**
 * Tells each call's {@link CallRecord} what only gRPC knows: the client's address, and that the
 * client cancelled (Flight's middleware hears of a call's end only when the server closes it, which
 * a cancelled DoGet never does). It runs inside Flight's middleware interceptor, so the call's
 * record already exists; install it with the server builder's {@code grpc.builderConsumer} hint,
 * which adds interceptors before Flight adds its own.
 */
public final class CallInterceptor implements ServerInterceptor {

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    Map<FlightServerMiddleware.Key<?>, FlightServerMiddleware> middleware =
        ServerInterceptorAdapter.SERVER_MIDDLEWARE_KEY.get();
    FlightServerMiddleware found = middleware == null ? null : middleware.get(CallRecord.KEY);
    if (!(found instanceof CallRecord record)) {
      return next.startCall(call, headers); // not a Flight call (another gRPC service)
    }
    record.peer(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
        next.startCall(call, headers)) {
      @Override
      public void onCancel() {
        record.cancelled();
        super.onCancel();
      }
    };
  }
}
