package io.istziio.server.flight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.junit.jupiter.api.Test;

class StreamDictionariesTest {

  @Test
  void aCopyThatDoesNotFitFreesTheCopiesMadeBeforeIt() {
    try (BufferAllocator source = new RootAllocator();
         BigIntVector small = new BigIntVector("small", source);
         BigIntVector large = new BigIntVector("large", source)) {
      small.allocateNew(8);
      small.setValueCount(8);
      large.allocateNew(100_000);
      large.setValueCount(100_000);
      DictionaryProvider.MapDictionaryProvider provider = new DictionaryProvider.MapDictionaryProvider();
      provider.put(new Dictionary(small, new DictionaryEncoding(1, false, new ArrowType.Int(32, true))));
      provider.put(new Dictionary(large, new DictionaryEncoding(2, false, new ArrowType.Int(32, true))));

      try (BufferAllocator copies = new RootAllocator(64 << 10)) {
        assertThrows(OutOfMemoryException.class, () -> new StreamDictionaries(provider, copies));
        assertEquals(0, copies.getAllocatedMemory(), "the small dictionary's copy is freed");
      }
    }
  }
}
