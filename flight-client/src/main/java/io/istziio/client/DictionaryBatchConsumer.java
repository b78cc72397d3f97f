package io.istziio.client;

import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;

/**
 * Takes the batches of a read with the dictionaries that its dictionary-encoded columns point
 * into. A dictionary-encoded column (a field with {@code getDictionary() != null}) holds indices;
 * {@code dictionaries.lookup(field.getDictionary().getId()).getVector()} holds the values they
 * index, for this batch: a node sends a new dictionary when the file's next row group has another,
 * so look it up for every batch, and copy what must outlive the call. Both are valid only during
 * the call.
 */
@FunctionalInterface
public interface DictionaryBatchConsumer {
  void accept(VectorSchemaRoot batch, DictionaryProvider dictionaries) throws Exception;
}
