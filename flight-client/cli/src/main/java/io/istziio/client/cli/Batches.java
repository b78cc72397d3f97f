package io.istziio.client.cli;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;

/** Copies of record batches. */
final class Batches {

  private Batches() {}

  /**
   * A copy of {@code batch} in {@code allocator}. A batch from a read lives in the client's
   * allocator and only for the consumer's call; Arrow cannot hand buffers across root allocators,
   * so a writer that outlives the call (or has its own allocator) takes a copy: a memcpy a buffer.
   */
  static ArrowRecordBatch copy(VectorSchemaRoot batch, BufferAllocator allocator) {
    try (ArrowRecordBatch source = new VectorUnloader(batch).getRecordBatch()) {
      List<ArrowBuf> copies = new ArrayList<>();
      try {
        for (ArrowBuf buffer : source.getBuffers()) {
          long size = buffer.readableBytes();
          ArrowBuf copy = allocator.buffer(size);
          copy.setBytes(0, buffer, buffer.readerIndex(), size);
          copy.writerIndex(size);
          copies.add(copy);
        }
        // The batch takes its own reference to each copy; ours are released below.
        return new ArrowRecordBatch(source.getLength(), source.getNodes(), copies,
            source.getBodyCompression(), source.getVariadicBufferCounts(), true);
      } finally {
        copies.forEach(ArrowBuf::close);
      }
    }
  }
}
