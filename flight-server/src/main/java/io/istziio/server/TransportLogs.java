package io.istziio.server;

import io.netty.handler.codec.http2.Http2Exception;
import java.util.logging.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * gRPC and Netty log through java.util.logging: this routes those records into SLF4J, so that the
 * node's one logging configuration (logback.xml) sets their level and format too.
 *
 * <p>gRPC's Netty transport also logs a WARNING with a stack trace ("Stream Error") whenever a
 * stream it still had data queued for is reset: a client that cancels a DoGet, or one the node
 * cuts. For a cache that is routine, and it filled node logs (18.8 MB in an hour of testing), so
 * each becomes one TRACE line (the call's own lines say it was cancelled: its request line, and one
 * DEBUG line, see CallRecord). Connection errors and every other record pass through unchanged.
 */
final class TransportLogs {

  /** Held strongly: java.util.logging keeps loggers weakly, and a collected one drops its filter. */
  private static final Logger NETTY_SERVER = Logger.getLogger("io.grpc.netty.NettyServerHandler");
  private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(TransportLogs.class);

  private TransportLogs() {}

  /**
   * Installs the bridge (in place of java.util.logging's own console handler) and the filter;
   * what is installed already stays. Called at every node start: a logging configuration reloaded
   * with java.util.logging reset would have removed the bridge.
   */
  static synchronized void install() {
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
    if (NETTY_SERVER.getFilter() != null) {
      return;
    }
    NETTY_SERVER.setFilter(record -> {
      if (record.getThrown() instanceof Http2Exception.StreamException reset) {
        LOG.trace("stream {} reset: {}", reset.streamId(), reset.getMessage());
        return false;
      }
      return true;
    });
  }
}
