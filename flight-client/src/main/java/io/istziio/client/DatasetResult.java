package io.istziio.client;

import java.util.List;

/**
 * How a dataset read went: one {@link ReadResult} per endpoint (file), in the FlightInfo's order.
 */
public record DatasetResult(List<ReadResult> endpoints) {

  public DatasetResult {
    endpoints = List.copyOf(endpoints);
  }

  /** Rows delivered, over every endpoint. */
  public long rows() {
    return endpoints.stream().mapToLong(ReadResult::rows).sum();
  }

  /** Nodes that could not be reached (or broke off) before the one that served, over every endpoint. */
  public int failovers() {
    return endpoints.stream().mapToInt(ReadResult::failovers).sum();
  }

  /** Endpoints whose node found the file in its cache (either tier). */
  public long hits() {
    return endpoints.stream().filter(r -> r.stats() != null && r.stats().hit()).count();
  }
}
