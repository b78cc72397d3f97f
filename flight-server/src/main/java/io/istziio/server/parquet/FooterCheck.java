package io.istziio.server.parquet;

import io.istziio.server.Errors;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.LogicalType;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.SchemaElement;

/**
 * Refuses, from a parsed footer, the files that the node's engine (Arrow Dataset 18.3's native
 * Parquet reader) would fail on only once streaming had begun, or with a message about something
 * else: so that GetFlightInfo and DoGet both answer with the cause before any batch is sent.
 *
 * <p>The rule: a valid file using what the engine lacks is UNIMPLEMENTED, naming the feature; a
 * damaged file is INVALID_ARGUMENT (Arrow Flight has no DATA_LOSS code: gRPC's reaches Java
 * clients as INTERNAL), naming the object and the part that is damaged.
 */
final class FooterCheck {

  /**
   * Codecs the bundled native library cannot decompress: brotli is not built into it (see
   * STACK.md), LZO is in no Arrow C++ build.
   */
  private static final Set<CompressionCodec> MISSING_CODECS =
      Set.of(CompressionCodec.BROTLI, CompressionCodec.LZO);

  private FooterCheck() {}

  /**
   * @param metadata the footer, as parsed
   * @param fileSize the object's size in bytes, to check that every column chunk lies inside it
   * @param name the object's path, for the messages
   * @throws org.apache.arrow.flight.FlightRuntimeException UNIMPLEMENTED for Parquet modular
   *     encryption, a codec or a logical type the engine lacks; INVALID_ARGUMENT for a column chunk
   *     outside the file
   */
  static void check(FileMetaData metadata, long fileSize, String name) {
    checkEncryption(metadata, name);
    checkSchema(metadata.getSchema(), name);
    for (int g = 0; g < metadata.getRow_groupsSize(); g++) {
      RowGroup group = metadata.getRow_groups().get(g);
      for (ColumnChunk chunk : group.getColumns()) {
        if (!chunk.isSetMeta_data()) {
          continue; // only encrypted chunks lack it, refused above
        }
        ColumnMetaData column = chunk.getMeta_data();
        String path = String.join(".", column.getPath_in_schema());
        if (MISSING_CODECS.contains(column.getCodec())) {
          throw Errors.unimplemented("%s is compressed with %s (column \"%s\"), a codec this node's "
              + "Parquet reader lacks; write it with zstd, snappy, gzip, lz4 or no compression",
              name, column.getCodec().name().toLowerCase(Locale.ROOT), path);
        }
        checkRange(column, fileSize, name, path, g);
      }
    }
  }

  /**
   * A plaintext footer still marks the encryption: the algorithm in the file's metadata and the
   * crypto metadata of each encrypted column chunk.
   */
  private static void checkEncryption(FileMetaData metadata, String name) {
    List<String> encrypted = new ArrayList<>();
    for (RowGroup group : metadata.getRow_groups()) {
      for (ColumnChunk chunk : group.getColumns()) {
        if (chunk.isSetCrypto_metadata() || chunk.isSetEncrypted_column_metadata()) {
          String column = chunk.isSetMeta_data()
              ? String.join(".", chunk.getMeta_data().getPath_in_schema()) : null;
          if (column != null && !encrypted.contains(column)) {
            encrypted.add(column);
          }
        }
      }
    }
    if (metadata.isSetEncryption_algorithm() || !encrypted.isEmpty()) {
      throw Errors.unimplemented("%s uses Parquet modular encryption%s, which this node cannot "
          + "decrypt; serve an unencrypted copy", name,
          encrypted.isEmpty() ? "" : " (encrypted columns: " + String.join(", ", encrypted) + ")");
    }
  }

  /**
   * Arrow 18 knows no Variant, Geometry or Geography logical type: on a group (Variant) it fails
   * to read the schema at all; on a leaf it reads the plain physical values, which is served as is.
   */
  private static void checkSchema(List<SchemaElement> schema, String name) {
    for (int i = 1; i < schema.size(); i++) { // the first element is the root
      SchemaElement element = schema.get(i);
      if (!element.isSetNum_children() || !element.isSetLogicalType()) {
        continue;
      }
      LogicalType type = element.getLogicalType();
      if (type.isSetVARIANT()) {
        throw Errors.unimplemented("column \"%s\" of %s is a Parquet Variant, a type this node's "
            + "Parquet reader cannot read; leave it out of the file or store it as binary",
            element.getName(), name);
      }
      if (!type.isSetMAP() && !type.isSetLIST()) {
        throw Errors.unimplemented("column \"%s\" of %s is a group of logical type %s, which this "
            + "node's Parquet reader cannot read", element.getName(), name,
            type.getSetField() == null ? "unknown" : type.getSetField().getFieldName());
      }
    }
  }

  /** The rule Arrow's reader applies before reading a chunk, here checked before streaming. */
  private static void checkRange(ColumnMetaData column, long fileSize, String name, String path,
      int group) {
    long start = column.getData_page_offset();
    if (column.isSetDictionary_page_offset() && column.getDictionary_page_offset() > 0
        && column.getDictionary_page_offset() < start) {
      start = column.getDictionary_page_offset();
    }
    long length = column.getTotal_compressed_size();
    if (start < 0 || length < 0 || start > fileSize || length > fileSize - start) { // no overflow
      throw Errors.invalid("%s is damaged: the footer places column \"%s\" of row group %d outside "
          + "the file; write the object again", name, path, group);
    }
  }
}
