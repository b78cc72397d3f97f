package io.istziio.client.data;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.arrow.vector.ipc.WriteChannel;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.KeyValue;
import org.apache.parquet.format.Util;

/**
 * Stores the Arrow schema in a Parquet file's footer as {@code ARROW:schema}, as pyarrow's writer
 * does and Arrow Dataset's Java writer does not: without it a reader cannot tell that a column
 * was dictionary-encoded and reads its values plain. Rewrites the footer in place (the data pages
 * and their offsets stay as they are); reads only the footer.
 */
public final class ArrowSchemaFooter {

  static final String KEY = "ARROW:schema";
  private static final int TAIL = 8; // footer length, then "PAR1"

  private ArrowSchemaFooter() {}

  /**
   * @param schema as files describe it: dictionary-encoded fields typed by their values, with
   *     their encodings
   * @throws IOException if the file is not Parquet or cannot be rewritten
   */
  public static void store(Path file, Schema schema) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      long size = channel.size();
      ByteBuffer tail = ByteBuffer.allocate(TAIL).order(ByteOrder.LITTLE_ENDIAN);
      channel.read(tail, size - TAIL);
      int length = tail.getInt(0);
      long start = size - TAIL - length;
      ByteBuffer footer = ByteBuffer.allocate(length);
      channel.read(footer, start);
      FileMetaData metadata = Util.readFileMetaData(new ByteArrayInputStream(footer.array()));
      List<KeyValue> entries = new ArrayList<>();
      if (metadata.getKey_value_metadata() != null) {
        metadata.getKey_value_metadata().stream().filter(e -> !KEY.equals(e.getKey()))
            .forEach(entries::add);
      }
      KeyValue entry = new KeyValue(KEY);
      entry.setValue(ipc(schema));
      entries.add(entry);
      metadata.setKey_value_metadata(entries);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Util.writeFileMetaData(metadata, out);
      byte[] rewritten = out.toByteArray();
      ByteBuffer end = ByteBuffer.allocate(rewritten.length + TAIL).order(ByteOrder.LITTLE_ENDIAN);
      end.put(rewritten).putInt(rewritten.length).put(tail.array(), 4, 4).flip();
      channel.truncate(start);
      channel.write(end, start);
    }
  }

  /** The schema as one IPC message, base64-encoded: the form pyarrow and Arrow C++ read. */
  private static String ipc(Schema schema) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    MessageSerializer.serialize(new WriteChannel(Channels.newChannel(out)), schema);
    return Base64.getEncoder().encodeToString(out.toByteArray());
  }
}
