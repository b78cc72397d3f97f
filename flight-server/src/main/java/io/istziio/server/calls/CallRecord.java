package io.istziio.server.calls;

import io.istziio.server.Errors;
import io.istziio.server.Logfmt;
import io.istziio.server.metrics.NodeMetrics;
import java.net.SocketAddress;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.CallInfo;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightMethod;
import org.apache.arrow.flight.FlightProducer.CallContext;
import org.apache.arrow.flight.FlightServerMiddleware;
import org.apache.arrow.flight.RequestContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Flight call as the node saw it: made by Flight's server middleware when the call starts,
 * filled in as the call goes (the producer sets what it asks and how the cache answered, {@link
 * MeteredListener} counts the batches sent, {@link CallInterceptor} sets the peer), and reported
 * once when it ends: to the meters and as one request line ({@link RequestLog}).
 *
 * <p>Threads: a call is served by gRPC's threads and then, for a disk DoGet, a stream thread, and
 * it may end on any of them (a cancel arrives on gRPC's); every field written after construction is
 * volatile or atomic, and {@code ended} makes the report happen once, whichever end comes first.
 * Headers are never read: the request line must hold no credential.
 */
public final class CallRecord implements FlightServerMiddleware {

  private static final Logger LOG = LoggerFactory.getLogger(CallRecord.class);
  /** DO_GET becomes DoGet, GET_FLIGHT_INFO GetFlightInfo: gRPC's names. */
  private static final Map<FlightMethod, String> METHOD_NAMES = methodNames();

  public static final FlightServerMiddleware.Key<CallRecord> KEY =
      FlightServerMiddleware.Key.of("istziio-call");

  /** How the cache answered a call that looked an object up. */
  public enum Cache {
    MEMORY_HIT, DISK_HIT, MISS, PEER, BYPASS;

    private final String text = name().toLowerCase(Locale.ROOT).replace('_', '-');

    /** As the request line writes it: memory-hit, disk-hit, miss, peer (filled from a peer), bypass. */
    public String text() {
      return text;
    }
  }

  private final FlightMethod method;
  private final NodeMetrics metrics; // null: a record no middleware made, which reports nothing
  private final long startNanos = System.nanoTime();
  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong rows = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile SocketAddress peer;
  private volatile String action;
  private volatile String path;
  private volatile Cache cache;

  private CallRecord(FlightMethod method, NodeMetrics metrics) {
    this.method = method;
    this.metrics = metrics;
  }

  /** Makes one record per call; each reports to {@code metrics} and the request log. */
  public static FlightServerMiddleware.Factory<CallRecord> factory(NodeMetrics metrics) {
    return (CallInfo info, CallHeaders headers, RequestContext context) ->
        new CallRecord(info.method(), metrics);
  }

  /**
   * What a middleware that refuses calls before they run (TokenAuth) reports each refusal to: the
   * call's record never ends (Flight closes the call itself), so the refusal is counted and logged
   * here, without the peer, which only a started call knows.
   */
  public static BiConsumer<FlightMethod, CallStatus> refusals(NodeMetrics metrics) {
    return (method, status) -> {
      metrics.callEnded(methodName(method), false, status.code().name(), 0);
      if (RequestLog.enabled()) {
        RequestLog.write(methodName(method), null, status, null, -1, -1, -1, null);
      }
    };
  }

  /**
   * The call's record; a detached one, which reports nothing, when the server has no such
   * middleware (a producer run on its own).
   */
  public static CallRecord of(CallContext context) {
    CallRecord record = context.getMiddleware(KEY);
    return record != null ? record : new CallRecord(null, null);
  }

  /** The object (or dataset) path the call asks for. */
  public void path(String objectPath) {
    this.path = objectPath;
  }

  /** A DoAction's type (as the client sent it: cut to a quotable length). */
  public void action(String type) {
    this.action = Errors.shorten(type);
  }

  public void cache(Cache outcome) {
    this.cache = outcome;
  }

  void peer(SocketAddress address) {
    this.peer = address;
  }

  /** Counts a record batch the call sent; the first also times the first batch. */
  void batchSent(long batchRows, long batchBytes) {
    rows.addAndGet(batchRows);
    bytes.addAndGet(batchBytes);
    boolean first = batches.getAndIncrement() == 0;
    if (metrics != null) {
      metrics.batchSent(startNanos, first, batchRows, batchBytes);
    }
  }

  /** Counts row groups the call's filter skipped. */
  void rowGroupsSkipped(long count) {
    if (metrics != null) {
      metrics.rowGroupsSkipped(count);
    }
  }

  /**
   * The client cancelled (or its deadline passed): Flight then never completes the call. Besides
   * the request line, one DEBUG line: a client that stops reading is routine (issue 11: it used to
   * be a WARNING with a stack trace from the transport, which now logs it at TRACE).
   */
  void cancelled() {
    if (end(CallStatus.CANCELLED.withDescription("cancelled by the client"))
        && LOG.isDebugEnabled()) {
      LOG.debug("cancelled by the client: " + new Logfmt()
          .add("call", methodName(method)).add("path", RequestLog.path(path))
          .add("rows", rows.get()).add("peer", RequestLog.address(peer)));
    }
  }

  @Override
  public void onBeforeSendingHeaders(CallHeaders outgoingHeaders) {}

  @Override
  public void onCallCompleted(CallStatus status) {
    end(status);
  }

  @Override
  public void onCallErrored(Throwable err) {}

  /** Reports the call unless it was already; true if this did. */
  private boolean end(CallStatus status) {
    if (metrics == null || !ended.compareAndSet(false, true)) {
      return false;
    }
    long nanos = System.nanoTime() - startNanos;
    String methodName = methodName(method);
    metrics.callEnded(methodName, method == FlightMethod.DO_GET, status.code().name(), nanos);
    if (RequestLog.enabled()) {
      String call = action != null ? methodName + ":" + action : methodName;
      boolean streamed = method == FlightMethod.DO_GET;
      RequestLog.write(call, path, status, cache != null ? cache.text() : null,
          streamed ? rows.get() : -1, streamed ? bytes.get() : -1, nanos, peer);
    }
    return true;
  }

  static String methodName(FlightMethod method) {
    return METHOD_NAMES.get(method);
  }

  private static Map<FlightMethod, String> methodNames() {
    Map<FlightMethod, String> names = new EnumMap<>(FlightMethod.class);
    for (FlightMethod method : FlightMethod.values()) {
      StringBuilder name = new StringBuilder();
      for (String word : method.name().split("_")) {
        name.append(word.charAt(0)).append(word.substring(1).toLowerCase(Locale.ROOT));
      }
      names.put(method, name.toString());
    }
    return names;
  }
}
