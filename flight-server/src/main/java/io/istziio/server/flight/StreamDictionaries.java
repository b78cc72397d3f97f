package io.istziio.server.flight;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import io.istziio.server.calls.MeteredListener;
import org.apache.arrow.flight.DictionaryPutter;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.compare.VectorEqualsVisitor;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.message.ArrowDictionaryBatch;

/**
 * Keeps the dictionaries a DoGet client holds in step with the batches it is sent. A scan of a
 * Parquet file fills its dictionary vectors in place, batch by batch, and each row group may carry
 * another dictionary; Flight sends the dictionaries once, at {@code start}. This remembers a copy
 * of each dictionary as last sent and, before a batch goes out, sends a replacement dictionary
 * batch for each one that differs, so an unchanged dictionary is never sent twice. The check is
 * the value count, then a value-by-value comparison (about as costly as the dictionary, far less
 * than a batch). Not thread-safe: the stream's thread alone uses it.
 */
final class StreamDictionaries implements AutoCloseable {

  private final DictionaryProvider source;
  private final BufferAllocator allocator;
  /** Dictionary id to a copy of the dictionary as the client last received it. */
  private final Map<Long, FieldVector> sent = new HashMap<>();

  /**
   * Call right after {@code listener.start(root, source)}, which sent the dictionaries as they
   * are now.
   *
   * @param source the stream's dictionaries (the scan's reader), filled in place per batch
   * @param allocator where the copies live; closed by {@link #close}
   */
  StreamDictionaries(DictionaryProvider source, BufferAllocator allocator) {
    this.source = source;
    this.allocator = allocator;
    try {
      for (long id : source.getDictionaryIds()) {
        sent.put(id, copy(source.lookup(id).getVector()));
      }
    } catch (RuntimeException e) { // the allocator's limit: free the copies already made
      close();
      throw e;
    }
  }

  /** Whether the stream has dictionary-encoded columns at all. */
  boolean any() {
    return !sent.isEmpty();
  }

  /**
   * Sends each dictionary that differs from the copy the client holds, as a replacement, before
   * the batch now in the scan's root is sent.
   *
   * @return the Arrow buffer bytes sent, 0 when no dictionary changed
   */
  long sendChanged(ServerStreamListener listener) {
    long bytes = 0;
    for (Map.Entry<Long, FieldVector> entry : sent.entrySet()) {
      FieldVector current = source.lookup(entry.getKey()).getVector();
      FieldVector previous = entry.getValue();
      if (previous.getValueCount() == current.getValueCount()
          && VectorEqualsVisitor.vectorEquals(previous, current)) {
        continue;
      }
      // Not owned by this root: closing it would free the scan's dictionary.
      VectorSchemaRoot one = new VectorSchemaRoot(List.of(current.getField()), List.of(current),
          current.getValueCount());
      try (ArrowDictionaryBatch batch = new ArrowDictionaryBatch(entry.getKey(),
          new VectorUnloader(one).getRecordBatch(), false)) {
        DictionaryPutter.put(MeteredListener.unwrap(listener), batch); // Flight's own stream
        bytes += batch.computeBodyLength();
      }
      entry.setValue(copy(current));
      previous.close();
    }
    return bytes;
  }

  private FieldVector copy(FieldVector vector) {
    FieldVector copy = vector.getField().createVector(allocator);
    try {
      copy.allocateNew();
      for (int i = 0; i < vector.getValueCount(); i++) {
        copy.copyFromSafe(i, i, vector);
      }
      copy.setValueCount(vector.getValueCount());
      return copy;
    } catch (RuntimeException e) {
      copy.close();
      throw e;
    }
  }

  @Override
  public void close() {
    sent.values().forEach(FieldVector::close);
    sent.clear();
  }
}
