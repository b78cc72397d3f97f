package io.istziio.server.calls;

import io.istziio.ring.RedisAuth;
import io.istziio.server.Errors;
import io.istziio.server.Logfmt;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightStatusCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request lines: one per Flight call, at INFO on the logger {@value #LOGGER}, as key=value
 * pairs ({@link Logfmt}: one call is one line whatever its path holds):
 *
 * <pre>
 * call=DoGet path=s3://data/a.parquet status=OK cache=disk-hit rows=50000 bytes=1650104 ms=3.71 peer=127.0.0.1:50312
 * call=DoAction:stats path=- status=OK cache=- rows=- bytes=- ms=0.52 peer=127.0.0.1:50312
 * call=DoGet path=s3://data/x.parquet status=NOT_FOUND cache=- rows=0 bytes=0 ms=8.10 peer=127.0.0.1:50312 error="..."
 * </pre>
 *
 * {@code call} is the gRPC method, with a DoAction's type after a colon; {@code path} is the
 * object or dataset path the call names (at most {@value Errors#MAX_QUOTED_CHARS} characters, any
 * user and password in it left out), {@code -} when it names none or could not be read; {@code status} the
 * Flight status code; {@code cache} memory-hit, disk-hit, miss or bypass for a call that looked an
 * object up, else {@code -}; {@code rows} and {@code bytes} the rows and Arrow buffer bytes a DoGet
 * sent ({@code -} for other calls); {@code ms} the time from the call's start to its end; {@code
 * peer} the client's address and port. A call that did not end OK adds {@code error}, its status
 * message cut to the same length. Nothing from the call's headers is written.
 */
public final class RequestLog {

  public static final String LOGGER = "istziio.request";
  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

  private RequestLog() {}

  static boolean enabled() {
    return LOG.isInfoEnabled();
  }

  static void write(String call, String path, CallStatus status, String cache, long rows,
      long bytes, long nanos, SocketAddress peer) {
    LOG.info(line(call, path, status, cache, rows, bytes, nanos, peer));
  }

  /** The line, without the timestamp and level the logging configuration adds. */
  static String line(String call, String path, CallStatus status, String cache, long rows,
      long bytes, long nanos, SocketAddress peer) {
    Logfmt line = new Logfmt()
        .add("call", call)
        .add("path", path(path))
        .add("status", status.code().name())
        .add("cache", cache)
        .add("rows", rows < 0 ? null : Long.toString(rows))
        .add("bytes", bytes < 0 ? null : Long.toString(bytes));
    if (nanos < 0) {
      line.add("ms", null); // a call refused before it started: its start is not known
    } else {
      line.millis("ms", nanos);
    }
    line.add("peer", address(peer));
    String message = status.description();
    if (status.code() != FlightStatusCode.OK && message != null && !message.isEmpty()) {
      line.add("error", Errors.shorten(message));
    }
    return line.toString();
  }

  /** A path as lines hold it: cut to a quotable length, without user info; null stays null. */
  static String path(String path) {
    return path == null ? null : Errors.shorten(RedisAuth.redact(path));
  }

  /** The peer as {@code host:port} ({@code [v6]:port}); null when unknown. */
  static String address(SocketAddress peer) {
    if (peer instanceof InetSocketAddress inet && inet.getAddress() != null) {
      String host = inet.getAddress().getHostAddress();
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
    }
    return peer == null ? null : peer.toString();
  }
}
