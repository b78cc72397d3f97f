package org.apache.arrow.flight;

import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.vector.ipc.message.ArrowDictionaryBatch;

/**
 * Writes a dictionary batch on a started DoGet stream: the one thing Flight Java's public API
 * lacks for dictionary-encoded columns whose dictionary changes mid-stream (a Parquet file's row
 * groups each carry their own). {@code ServerStreamListener.start} sends every dictionary once,
 * before any batch, and nothing public sends one later; the IPC stream format allows a non-delta
 * dictionary batch to replace the one of the same id, and both Java's {@code FlightStream} and
 * Arrow C++'s (pyarrow's) Flight reader apply it to the batches that follow. So this class sits
 * in Flight's package to reach the response observer and the IPC options that the listener keeps
 * package-private, and writes the message as {@code putNext} writes a record batch.
 */
public final class DictionaryPutter {

  private DictionaryPutter() {}

  /**
   * Sends {@code batch} (a replacement when {@code batch.isDelta()} is false) on the stream; the
   * caller keeps ownership of the batch and closes it.
   *
   * @param listener the listener Flight handed to {@code getStream}, already started
   * @throws IllegalStateException if the listener is not Flight's own or was not started
   */
  public static void put(ServerStreamListener listener, ArrowDictionaryBatch batch) {
    if (!(listener instanceof OutboundStreamListenerImpl outbound)) {
      throw new IllegalStateException("not a Flight server stream: " + listener.getClass());
    }
    if (outbound.unloader == null || outbound.option == null) {
      throw new IllegalStateException("the stream was not started; call start() first");
    }
    outbound.waitUntilStreamReady();
    // The message takes its own reference to the batch's buffers and releases it once gRPC has
    // written them (or at close, if the call was cancelled first).
    try (ArrowMessage message = new ArrowMessage(batch, outbound.option)) {
      outbound.responseObserver.onNext(message);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("could not free a dictionary message", e);
    }
  }
}
