package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.FlightClientPool;
import io.istziio.client.protocol.ReadTicket;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;

/**
 * A client the pool drops (another read found its node failing) is closed only after its
 * streams have released their batches: a CI run logged "Memory was leaked by query" when the
 * dropped client was closed while a reader still held the last batch of a call that had ended.
 */
class FlightClientPoolTest extends NodeTestBase {

  @Test
  void aDroppedClientWaitsForItsReadersBatches() throws Exception {
    Node node = start(NodeConfig.loopback(tmp.resolve("cache"), 256 << 20).withS3(s3.config()));
    String path = putSample("pool/sample.parquet");
    try (BufferAllocator allocator = new RootAllocator();
        FlightClientPool pool = new FlightClientPool(allocator)) {
      String location = node.uri().toString();
      FlightStream stream = pool.get(location).getStream(ReadTicket.of(path).toFlightTicket());
      long rows = 0;
      while (stream.next()) { // to the end: the call is over, the root holds the last batch
        rows += stream.getRoot().getRowCount();
      }
      assertEquals(ROWS, rows);
      assertTrue(allocator.getAllocatedMemory() > 0, "the last batch is held");

      pool.evict(location);
      Thread.sleep(500); // gives a closer that would not wait the time to close it under us
      assertEquals(1, allocator.getChildAllocators().size(), "the dropped client is still open");
      stream.close();
      waitUntil(() -> allocator.getChildAllocators().isEmpty());
      assertEquals(0, allocator.getAllocatedMemory());
    } // closing the root allocator throws if anything leaked
  }

  @Test
  void closingThePoolClosesClientsItIsStillDropping() throws Exception {
    Node node = start(NodeConfig.loopback(tmp.resolve("cache"), 256 << 20).withS3(s3.config()));
    String path = putSample("pool/sample.parquet");
    try (BufferAllocator allocator = new RootAllocator()) {
      FlightClientPool pool = new FlightClientPool(allocator);
      String location = node.uri().toString();
      try (FlightStream stream = pool.get(location).getStream(
          ReadTicket.of(path).toFlightTicket())) {
        assertTrue(stream.next());
        pool.evict(location); // its call is still running: the closer waits for it
      }
      pool.close();
      assertTrue(allocator.getChildAllocators().isEmpty(), "closed with the pool");
    }
  }
}
