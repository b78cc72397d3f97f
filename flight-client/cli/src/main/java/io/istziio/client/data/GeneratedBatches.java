package io.istziio.client.data;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * An ArrowReader whose batches are made in memory rather than read from a source, to hand to Arrow
 * Dataset's Parquet writer; subclasses fill {@link #getVectorSchemaRoot()} in loadNextBatch.
 */
public abstract class GeneratedBatches extends ArrowReader {

  private final Schema schema;

  protected GeneratedBatches(BufferAllocator allocator, Schema schema) {
    super(allocator);
    this.schema = schema;
  }

  @Override
  public long bytesRead() {
    return 0;
  }

  @Override
  protected void closeReadSource() {}

  @Override
  protected Schema readSchema() {
    return schema;
  }
}
