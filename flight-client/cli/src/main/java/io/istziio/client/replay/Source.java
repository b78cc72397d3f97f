package io.istziio.client.replay;

import io.istziio.client.protocol.ReadTicket;

/** Where a replay reads from: the istziio cluster, or the object store directly (the baseline). */
public interface Source extends AutoCloseable {

  /** "istziio" or "direct". */
  String mode();

  /** Reads the ticket to its end and measures it; never throws: failures are recorded. */
  RequestRecord read(Trace.Request request, ReadTicket ticket, long startLagNanos, boolean cold);
}
