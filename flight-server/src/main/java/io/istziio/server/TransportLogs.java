package io.istziio.server;

import io.netty.handler.codec.http2.Http2Exception;
import java.util.logging.Logger;
import org.slf4j.LoggerFactory;

/**
 * gRPC's Netty transport logs a WARNING with a stack trace ("Stream Error") whenever a stream it
 * still had data queued for is reset: a client that cancels a DoGet, or one the node cuts. For a
 * cache that is routine, and it filled node logs (18.8 MB in an hour of testing), so each becomes
 * one DEBUG line. Connection errors and every other record pass through unchanged.
 */
final class TransportLogs {

  /** Held strongly: java.util.logging keeps loggers weakly, and a collected one drops its filter. */
  private static final Logger NETTY_SERVER = Logger.getLogger("io.grpc.netty.NettyServerHandler");
  private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(TransportLogs.class);

  private TransportLogs() {}

  /** Installs the filter once per process; later calls do nothing. */
  static synchronized void quietStreamResets() {
    if (NETTY_SERVER.getFilter() != null) {
      return;
    }
    NETTY_SERVER.setFilter(record -> {
      if (record.getThrown() instanceof Http2Exception.StreamException reset) {
        LOG.debug("stream {} reset: {}", reset.streamId(), reset.getMessage());
        return false;
      }
      return true;
    });
  }
}
