package io.istziio.client.replay;

/**
 * What one replayed request did. Times are in nanoseconds; -1 where a part does not apply.
 *
 * @param sequence the request's position in the trace
 * @param fileIndex the file it read
 * @param path that file's path
 * @param mode "istziio" or "direct" (the no-cache baseline)
 * @param scheduledMillis its arrival in the trace
 * @param startLagNanos how late it started against its arrival (the pool was busy)
 * @param totalNanos from the request's arrival in the trace to its last byte: the start lag (time
 *     queued because every reader was busy) plus the time the read took
 * @param routingNanos choosing the node (computing the owners); 0 for direct reads
 * @param firstBatchNanos from start to the first batch
 * @param transferNanos from the first batch to the last
 * @param rows rows read
 * @param bytes Arrow bytes read
 * @param cache the node's outcome (hit, miss, bypass); "direct" for the baseline
 * @param nodeFetchNanos the node's (or the baseline's) time fetching from the object store
 * @param nodeScanNanos the node's (or the baseline's) time decoding
 * @param servedBy the node that served it
 * @param cold whether it was the first request for its file in this replay
 * @param error the error, or null
 */
public record RequestRecord(int sequence, int fileIndex, String path, String mode,
    long scheduledMillis, long startLagNanos, long totalNanos, long routingNanos,
    long firstBatchNanos, long transferNanos, long rows, long bytes, String cache,
    long nodeFetchNanos, long nodeScanNanos, String servedBy, boolean cold, String error) {

  public boolean failed() {
    return error != null;
  }

  /** A request that failed before its source could measure anything. */
  static RequestRecord failure(Trace.Request request, String path, String mode, long lag,
      boolean cold, String error) {
    return new RequestRecord(request.sequence(), request.fileIndex(), path, mode,
        request.atMillis(), lag, lag, -1, -1, -1, 0, 0, null, -1, -1, null, cold, error);
  }

  static final String CSV_HEADER = "sequence,file_index,path,mode,scheduled_ms,start_lag_ms,"
      + "total_ms,routing_ms,first_batch_ms,transfer_ms,rows,bytes,cache,node_fetch_ms,"
      + "node_scan_ms,served_by,cold,error";

  String toCsv() {
    return String.join(",", String.valueOf(sequence), String.valueOf(fileIndex), quote(path),
        mode, String.valueOf(scheduledMillis), ms(startLagNanos), ms(totalNanos), ms(routingNanos),
        ms(firstBatchNanos), ms(transferNanos), String.valueOf(rows), String.valueOf(bytes),
        cache == null ? "" : cache, ms(nodeFetchNanos), ms(nodeScanNanos),
        servedBy == null ? "" : quote(servedBy), String.valueOf(cold),
        error == null ? "" : quote(error));
  }

  private static String ms(long nanos) {
    return nanos < 0 ? "" : String.format(java.util.Locale.ROOT, "%.3f", nanos / 1e6);
  }

  private static String quote(String text) {
    return text.contains(",") || text.contains("\"") || text.contains("\n")
        ? "\"" + text.replace("\"", "\"\"") + "\"" : text;
  }
}
