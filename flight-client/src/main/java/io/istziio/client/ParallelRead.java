package io.istziio.client;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.arrow.flight.FlightEndpoint;

/**
 * One dataset read in callback form: up to {@code parallelism} reader threads take the endpoints
 * in order, each read with failover; their batches reach the consumer one at a time, under one
 * lock. A reader waiting for the lock holds its one batch and reads nothing more, so memory stays
 * at about one batch per reader. The first failure cancels the other reads.
 */
final class ParallelRead {

  /** Thrown into a reader whose read was stopped by another's failure. */
  private static final class Stopped extends RuntimeException {
    Stopped() {
      super("stopped", null, false, false);
    }
  }

  private final IstziioClient client;
  private final List<FlightEndpoint> endpoints;
  private final int parallelism;
  private final DictionaryBatchConsumer consumer;
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicReference<Exception> failure = new AtomicReference<>();
  private final Cancellation[] cancels;
  private final ReadResult[] results;
  private final Object consumerLock = new Object();

  ParallelRead(IstziioClient client, List<FlightEndpoint> endpoints, int parallelism,
      DictionaryBatchConsumer consumer) {
    this.client = client;
    this.endpoints = List.copyOf(endpoints);
    this.parallelism = Math.max(1, Math.min(parallelism, endpoints.size()));
    this.consumer = consumer;
    this.cancels = new Cancellation[endpoints.size()];
    Arrays.setAll(cancels, i -> new Cancellation());
    this.results = new ReadResult[endpoints.size()];
  }

  DatasetResult run() throws Exception {
    List<Future<?>> readers = new ArrayList<>();
    for (int i = 0; i < parallelism && !endpoints.isEmpty(); i++) {
      readers.add(client.readers().submit(this::readEndpoints));
    }
    for (Future<?> reader : readers) {
      reader.get(); // readEndpoints catches everything
    }
    Exception failed = failure.get();
    if (failed != null) {
      throw failed;
    }
    return new DatasetResult(Arrays.asList(results));
  }

  private void readEndpoints() {
    int index;
    while (failure.get() == null && (index = next.getAndIncrement()) < endpoints.size()) {
      try {
        results[index] = client.readEndpoint(endpoints.get(index), (batch, dictionaries) -> {
          synchronized (consumerLock) {
            if (failure.get() != null) {
              throw new Stopped();
            }
            consumer.accept(batch, dictionaries);
          }
        }, cancels[index]);
      } catch (Stopped stopped) {
        return;
      } catch (Exception e) {
        if (failure.compareAndSet(null, e)) {
          Arrays.stream(cancels).forEach(Cancellation::cancel);
        }
        return;
      }
    }
  }
}
