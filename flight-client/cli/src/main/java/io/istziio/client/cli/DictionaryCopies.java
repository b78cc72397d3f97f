package io.istziio.client.cli;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.compare.VectorEqualsVisitor;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.message.ArrowDictionaryBatch;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.DictionaryUtility;

/**
 * A writer's own copies of a read's dictionaries, in the writer's allocator: a read's dictionaries
 * live in the client's allocator, only during the consumer's call, and are replaced when the node
 * sends another. {@link #update} copies those that changed; as a DictionaryProvider this hands the
 * copies to Arrow's writers. Schemas here are in Arrow Java's in-memory form, as batches have them
 * (a dictionary-encoded field typed by its indices).
 */
final class DictionaryCopies implements DictionaryProvider, AutoCloseable {

  private final BufferAllocator allocator;
  private final Map<Long, Dictionary> copies = new HashMap<>();

  /** Copies every dictionary {@code schema}'s fields use, from {@code source}. */
  DictionaryCopies(Schema schema, DictionaryProvider source, BufferAllocator allocator) {
    this.allocator = allocator;
    for (long id : ids(schema)) {
      Dictionary dictionary = source.lookup(id);
      copies.put(id, new Dictionary(copy(dictionary.getVector()), dictionary.getEncoding()));
    }
  }

  /** The dictionary ids that {@code schema}'s fields and their children use. */
  static Set<Long> ids(Schema schema) {
    Set<Long> ids = new HashSet<>();
    schema.getFields().forEach(field -> collect(field, ids));
    return ids;
  }

  private static void collect(Field field, Set<Long> ids) {
    if (field.getDictionary() != null) {
      ids.add(field.getDictionary().getId());
    }
    field.getChildren().forEach(child -> collect(child, ids));
  }

  /**
   * The schema with each dictionary-encoded field typed by its values, as files and Arrow's C
   * Data interface describe it.
   */
  Schema messageFormat(Schema schema) {
    Set<Long> unused = new HashSet<>();
    return new Schema(schema.getFields().stream()
        .map(field -> DictionaryUtility.toMessageFormat(field, this, unused)).toList(),
        schema.getCustomMetadata());
  }

  /**
   * Replaces each copy whose dictionary in {@code source} differs from it.
   *
   * @return the ids replaced; empty when nothing changed
   */
  Set<Long> update(DictionaryProvider source) {
    Set<Long> changed = new HashSet<>();
    for (Map.Entry<Long, Dictionary> entry : copies.entrySet()) {
      FieldVector current = source.lookup(entry.getKey()).getVector();
      FieldVector copy = entry.getValue().getVector();
      if (copy.getValueCount() == current.getValueCount()
          && VectorEqualsVisitor.vectorEquals(copy, current)) {
        continue;
      }
      entry.setValue(new Dictionary(copy(current), entry.getValue().getEncoding()));
      copy.close();
      changed.add(entry.getKey());
    }
    return changed;
  }

  /** Each copy as a dictionary batch (a replacement) in the writer's allocator; close them. */
  List<ArrowDictionaryBatch> batches() {
    return copies.entrySet().stream().map(entry -> {
      FieldVector vector = entry.getValue().getVector();
      VectorSchemaRoot one = new VectorSchemaRoot(List.of(vector.getField()), List.of(vector),
          vector.getValueCount()); // not closed: it does not own the copy
      return new ArrowDictionaryBatch(entry.getKey(), Batches.copy(one, allocator), false);
    }).toList();
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
  public Dictionary lookup(long id) {
    return copies.get(id);
  }

  @Override
  public Set<Long> getDictionaryIds() {
    return copies.keySet();
  }

  @Override
  public void close() {
    copies.values().forEach(dictionary -> dictionary.getVector().close());
    copies.clear();
  }
}
