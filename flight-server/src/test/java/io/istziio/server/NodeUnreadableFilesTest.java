package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.protocol.ReadTicket;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ConvertedType;
import org.apache.parquet.format.FieldRepetitionType;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.LogicalType;
import org.apache.parquet.format.MapType;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.Util;
import org.apache.parquet.format.VariantType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Objects the node cannot read, made here from the sample file by damaging its bytes or rewriting
 * its footer: GetFlightInfo and DoGet both answer with the status of the cause (UNIMPLEMENTED for
 * what the reader lacks, INVALID_ARGUMENT for damage) and a short message naming the object and
 * the part, never the node's cache path or a Java class; and the node serves the next request.
 */
class NodeUnreadableFilesTest extends NodeTestBase {

  private Node node;
  private FlightClient client;
  private String good;

  @BeforeEach
  void startNode() throws Exception {
    good = putSample("good.parquet");
    node = start(config(64 << 20));
    client = connect(node);
  }

  static Stream<Arguments> unreadable() {
    return Stream.of(
        Arguments.of("truncated", (UnaryOperator<byte[]>) bytes -> Arrays.copyOf(bytes, bytes.length - 100),
            FlightStatusCode.INVALID_ARGUMENT,
            "is damaged: its Parquet footer is unreadable (it does not end with PAR1 magic bytes"),
        Arguments.of("garbage footer", (UnaryOperator<byte[]>) NodeUnreadableFilesTest::garbageFooter,
            FlightStatusCode.INVALID_ARGUMENT,
            "is damaged: its Parquet footer is unreadable (it does not parse)"),
        Arguments.of("footer length past the start", (UnaryOperator<byte[]>) bytes -> {
              ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(bytes.length - 8, bytes.length);
              return bytes;
            }, FlightStatusCode.INVALID_ARGUMENT,
            "is damaged: its Parquet footer is unreadable (its length field says"),
        Arguments.of("column chunk outside the file", withFooter(footer ->
                footer.getRow_groups().get(0).getColumns().get(0).getMeta_data()
                    .setTotal_compressed_size(1L << 40)),
            FlightStatusCode.INVALID_ARGUMENT,
            "is damaged: the footer places column \"id\" of row group 0 outside the file"),
        Arguments.of("encrypted footer (PARE)", (UnaryOperator<byte[]>) bytes -> {
              byte[] magic = "PARE".getBytes(StandardCharsets.US_ASCII);
              System.arraycopy(magic, 0, bytes, 0, 4);
              System.arraycopy(magic, 0, bytes, bytes.length - 4, 4);
              return bytes;
            }, FlightStatusCode.UNIMPLEMENTED,
            "uses Parquet modular encryption (encrypted footer), which this node cannot decrypt"),
        Arguments.of("Variant column", withFooter(footer -> wrapInGroup(footer, "name", "v",
                LogicalType.VARIANT(new VariantType()), null)),
            FlightStatusCode.UNIMPLEMENTED,
            "column \"v\" of s3://data/bad.parquet is a Parquet Variant, a type this node's Parquet reader cannot read"),
        Arguments.of("map without a key_value group", withFooter(footer -> wrapInGroup(footer, "name", "m",
                LogicalType.MAP(new MapType()), ConvertedType.MAP)),
            FlightStatusCode.UNIMPLEMENTED,
            "this node's Parquet reader cannot read the schema of s3://data/bad.parquet ("));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unreadable")
  void anUnreadableObjectGetsItsCauseFromBothCallsAndTheNodeKeepsServing(String name,
      UnaryOperator<byte[]> damage, FlightStatusCode code, String message) throws Exception {
    byte[] bytes = damage.apply(Files.readAllBytes(sample));
    s3.put(BUCKET, "bad.parquet", bytes);
    byte[] ticket = ReadTicket.of("s3://data/bad.parquet").toJsonBytes();

    FlightRuntimeException onInfo = assertStatus(code, () -> client.getInfo(FlightDescriptor.command(ticket)));
    FlightRuntimeException onGet = assertStatus(code, () -> {
      try (FlightStream stream = client.getStream(new org.apache.arrow.flight.Ticket(ticket))) {
        assertFalse(stream.next(), "no batch is sent before the failure");
      }
    });

    assertMessage(onInfo, message);
    assertMessage(onGet, message);
    assertEquals(ROWS, read(client, good).rows().size(), "the node serves the next file");
  }

  private void assertMessage(FlightRuntimeException e, String expected) {
    String message = e.status().description();
    assertTrue(message.contains("s3://data/bad.parquet"), () -> "names the object: " + message);
    assertTrue(message.contains(expected), () -> "\"" + message + "\" should say \"" + expected + "\"");
    String cache = tmp.resolve("cache").toString();
    assertFalse(message.contains(cache) || message.contains("org.apache") || message.contains("Exception")
        || message.contains("Is this a 'parquet' file"), () -> "no cache path, class or noise: " + message);
    assertTrue(message.length() < 600, () -> "short: " + message);
  }

  /** The file with its footer's bytes replaced by seeded random bytes of the same length. */
  private static byte[] garbageFooter(byte[] bytes) {
    int length = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(bytes.length - 8);
    byte[] garbage = new byte[length];
    new Random(7).nextBytes(garbage);
    System.arraycopy(garbage, 0, bytes, bytes.length - 8 - length, length);
    return bytes;
  }

  /** Damage that rewrites the file's footer with {@code change} applied to it. */
  private static UnaryOperator<byte[]> withFooter(Consumer<FileMetaData> change) {
    return bytes -> {
      try {
        int length = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(bytes.length - 8);
        int start = bytes.length - 8 - length;
        FileMetaData footer = Util.readFileMetaData(new ByteArrayInputStream(bytes, start, length));
        change.accept(footer);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(bytes, 0, start);
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        Util.writeFileMetaData(footer, written);
        out.write(written.toByteArray());
        out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(written.size()).array());
        out.write("PAR1".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    };
  }

  /** Puts the top-level leaf {@code column} inside a new group {@code group} of the given type. */
  private static void wrapInGroup(FileMetaData footer, String column, String group, LogicalType type,
      ConvertedType converted) {
    List<SchemaElement> schema = footer.getSchema();
    for (int i = 1; i < schema.size(); i++) {
      if (schema.get(i).getName().equals(column)) {
        SchemaElement wrapper = new SchemaElement(group).setNum_children(1)
            .setRepetition_type(FieldRepetitionType.OPTIONAL).setLogicalType(type);
        if (converted != null) {
          wrapper.setConverted_type(converted);
        }
        schema.add(i, wrapper);
        break;
      }
    }
    for (var rowGroup : footer.getRow_groups()) {
      for (ColumnChunk chunk : rowGroup.getColumns()) {
        if (chunk.getMeta_data().getPath_in_schema().equals(List.of(column))) {
          chunk.getMeta_data().setPath_in_schema(List.of(group, column));
        }
      }
    }
  }
}
