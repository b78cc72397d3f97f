package io.istziio.client.data;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BitVectorHelper;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.Util;

/**
 * A Parquet file with a schema and no rows. Arrow Dataset's writer makes no file at all for an
 * empty input, so this writes one placeholder row with it, then keeps only the footer (decoded and
 * re-encoded with parquet-format), with the row count set to 0 and the row-group list emptied: the
 * schema (and Arrow's own copy of it, in the footer's metadata) is exactly what the writer made,
 * and no data page is left behind.
 */
public final class EmptyParquet {

  private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

  private EmptyParquet() {}

  public static void write(Path file, Schema schema) throws IOException {
    Path oneRow = file.resolveSibling("." + file.getFileName() + ".one-row");
    try {
      try (BufferAllocator allocator = new RootAllocator()) {
        ParquetFiles.write(oneRow, allocator, new OneRow(allocator, schema));
      }
      byte[] footer = emptyFooter(Files.readAllBytes(oneRow));
      Path staging = file.resolveSibling("." + file.getFileName() + ".empty");
      byte[] length = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(footer.length)
          .array();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(MAGIC);
      out.write(footer);
      out.write(length);
      out.write(MAGIC);
      Files.write(staging, out.toByteArray());
      Files.move(staging, file, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(oneRow);
    }
  }

  /** The footer of a Parquet file, re-encoded with no rows and no row groups. */
  private static byte[] emptyFooter(byte[] parquet) throws IOException {
    int end = parquet.length - MAGIC.length;
    int length = ByteBuffer.wrap(parquet, end - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    FileMetaData metadata = Util.readFileMetaData(
        new ByteArrayInputStream(parquet, end - 4 - length, length));
    metadata.setNum_rows(0);
    metadata.setRow_groups(new ArrayList<>());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Util.writeFileMetaData(metadata, out);
    return out.toByteArray();
  }

  private static final class OneRow extends GeneratedBatches {
    private boolean done;

    OneRow(BufferAllocator allocator, Schema schema) {
      super(allocator, schema);
    }

    @Override
    public boolean loadNextBatch() throws IOException {
      if (done) {
        return false;
      }
      done = true;
      VectorSchemaRoot root = getVectorSchemaRoot();
      root.allocateNew();
      root.setRowCount(1);
      root.getFieldVectors().forEach(OneRow::markValid);
      return true;
    }

    private static void markValid(FieldVector vector) {
      ArrowBuf validity;
      try {
        validity = vector.getValidityBuffer();
      } catch (UnsupportedOperationException e) {
        validity = null; // a type without a validity buffer (unions, null)
      }
      if (validity != null && validity.capacity() > 0) {
        BitVectorHelper.setBit(validity, 0);
      }
      vector.getChildrenFromFields().forEach(OneRow::markValid);
    }

  }
}
