package io.istziio.server;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Ends the health service's open {@code Watch} streams when the node stops. A watch never ends by
 * itself, and a stopping server waits for its running calls: without this, one load balancer
 * watching the node would hold every stop up for the full grace period. A watch ended here gets
 * {@code UNAVAILABLE} after its last status (NOT_SERVING); a watch that arrives later is ended at
 * once.
 *
 * <p>Locking: {@code this} guards the set of open watches and the stopped flag; each watch's
 * {@link ServerCall} is driven by gRPC's call thread and by {@link #endAll}, so its wrapper
 * serialises the calls into it on its own monitor and drops whatever comes after its close.
 */
final class HealthWatches implements ServerInterceptor {

  private final Set<Watch<?, ?>> open = new HashSet<>();
  private boolean stopped;

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if (!call.getMethodDescriptor().equals(HealthGrpc.getWatchMethod())) {
      return next.startCall(call, headers);
    }
    Watch<Q, R> watch = new Watch<>(call);
    boolean late;
    synchronized (this) {
      late = stopped;
      if (!late) {
        open.add(watch);
      }
    }
    if (late) {
      watch.end();
      return new ServerCall.Listener<>() { };
    }
    // Started outside the lock; if endAll ends it meanwhile, the service's writes are dropped.
    return next.startCall(watch, headers);
  }

  /** Ends every open watch and every later one; called once the statuses are final. */
  void endAll() {
    List<Watch<?, ?>> ending;
    synchronized (this) {
      stopped = true;
      ending = new ArrayList<>(open);
      open.clear();
    }
    ending.forEach(Watch::end);
  }

  private synchronized void forget(Watch<?, ?> watch) {
    open.remove(watch);
  }

  /** One watch stream; its monitor serialises the health service's writes with {@link #end}. */
  private final class Watch<Q, R> extends SimpleForwardingServerCall<Q, R> {
    private boolean closed;

    Watch(ServerCall<Q, R> call) {
      super(call);
    }

    void end() {
      close(Status.UNAVAILABLE.withDescription("the node is stopping"), new Metadata());
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      if (!closed) {
        super.sendHeaders(headers);
      }
    }

    @Override
    public synchronized void sendMessage(R message) {
      if (!closed) {
        super.sendMessage(message);
      }
    }

    @Override
    public synchronized void request(int messages) {
      if (!closed) {
        super.request(messages);
      }
    }

    @Override
    public void close(Status status, Metadata trailers) {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        super.close(status, trailers);
      }
      forget(this);
    }
  }
}
