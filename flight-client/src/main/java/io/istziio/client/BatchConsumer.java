package io.istziio.client;

import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Takes the batches of a read, one at a time; a batch is valid only during the call. A
 * dictionary-encoded column arrives as its indices: read with a {@link DictionaryBatchConsumer} to
 * get the dictionaries too.
 */
@FunctionalInterface
public interface BatchConsumer {
  void accept(VectorSchemaRoot batch) throws Exception;
}
