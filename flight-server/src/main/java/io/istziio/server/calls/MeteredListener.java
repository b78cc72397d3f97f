package io.istziio.server.calls;

import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.message.IpcOption;

/** A DoGet's listener that counts the batches sent through it into its call's record, then hands each on. */
public final class MeteredListener implements ServerStreamListener {

  private final ServerStreamListener delegate;
  private final CallRecord call;
  private VectorSchemaRoot root;

  private MeteredListener(ServerStreamListener delegate, CallRecord call) {
    this.delegate = delegate;
    this.call = call;
  }

  public static ServerStreamListener wrap(ServerStreamListener listener, CallRecord call) {
    return new MeteredListener(listener, call);
  }

  /**
   * Counts row groups a read's filter let it skip, as its stats report them; nothing when the
   * listener is not metered or the count is unknown (negative).
   */
  public static void rowGroupsSkipped(ServerStreamListener listener, long count) {
    if (count > 0 && listener instanceof MeteredListener metered) {
      metered.call.rowGroupsSkipped(count);
    }
  }

  /**
   * The listener Flight handed to the call, under any meter: what {@code DictionaryPutter} needs
   * to reach Flight's own stream.
   */
  public static ServerStreamListener unwrap(ServerStreamListener listener) {
    return listener instanceof MeteredListener metered ? metered.delegate : listener;
  }

  private void counted() {
    if (root == null) {
      return;
    }
    long bytes = 0;
    for (FieldVector vector : root.getFieldVectors()) {
      bytes += vector.getBufferSize();
    }
    call.batchSent(root.getRowCount(), bytes);
  }

  @Override
  public boolean isCancelled() {
    return delegate.isCancelled();
  }

  @Override
  public void setOnCancelHandler(Runnable handler) {
    delegate.setOnCancelHandler(handler);
  }

  @Override
  public boolean isReady() {
    return delegate.isReady();
  }

  @Override
  public void setOnReadyHandler(Runnable handler) {
    delegate.setOnReadyHandler(handler);
  }

  @Override
  public void start(VectorSchemaRoot root) {
    this.root = root;
    delegate.start(root);
  }

  @Override
  public void start(VectorSchemaRoot root, DictionaryProvider dictionaries) {
    this.root = root;
    delegate.start(root, dictionaries);
  }

  @Override
  public void start(VectorSchemaRoot root, DictionaryProvider dictionaries, IpcOption option) {
    this.root = root;
    delegate.start(root, dictionaries, option);
  }

  @Override
  public void putNext() {
    counted();
    delegate.putNext();
  }

  @Override
  public void putNext(ArrowBuf metadata) {
    counted();
    delegate.putNext(metadata);
  }

  @Override
  public void putMetadata(ArrowBuf metadata) {
    delegate.putMetadata(metadata);
  }

  @Override
  public void error(Throwable ex) {
    delegate.error(ex);
  }

  @Override
  public void completed() {
    delegate.completed();
  }

  @Override
  public void setUseZeroCopy(boolean enabled) {
    delegate.setUseZeroCopy(enabled);
  }
}
