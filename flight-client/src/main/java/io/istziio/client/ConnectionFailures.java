package io.istziio.client;

import javax.net.ssl.SSLException;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;

/**
 * What to tell a user about a call that failed on its way to a node. gRPC reports a TLS handshake
 * that failed as UNAVAILABLE "io exception", its reason in the cause; this says which side to fix.
 */
public final class ConnectionFailures {

  private ConnectionFailures() {}

  /** The status description, or for a failed TLS handshake what failed and what to check. */
  public static String describe(FlightRuntimeException e) {
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      if (cause instanceof SSLException) {
        Throwable root = cause; // OpenSSL's engine wraps the reason ("PKIX path building failed")
        while (root.getCause() != null && root.getCause() != root) {
          root = root.getCause();
        }
        String reason = root.getMessage() == null ? root.getClass().getSimpleName()
            : root.getMessage();
        if (reason.contains("not an SSL/TLS record")) {
          return "TLS handshake failed: the node does not speak TLS; use its grpc+tcp:// location";
        }
        return "TLS handshake failed (" + reason + "); give the CA bundle that signed the node's "
            + "certificate (--tls-ca, ISTZIIO_TLS_CA), and a location whose host the certificate names";
      }
    }
    String description = e.status().description();
    if (e.status().code() == FlightStatusCode.UNAVAILABLE && description != null
        && description.startsWith("Network closed for unknown reason")) {
      return description + " (a grpc+tcp:// client of a node that serves TLS? use its grpc+tls:// location)";
    }
    return description;
  }
}
