package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.IstziioClient;
import io.istziio.client.DictionaryBatchConsumer;
import io.istziio.client.ReadResult;
import io.istziio.client.protocol.ReadStats;
import io.istziio.client.protocol.ReadTicket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.Field;
import org.junit.jupiter.api.Test;

/**
 * Issue 10: dictionary-encoded columns reach Flight clients with the dictionaries their indices
 * point into, also when each row group carries another dictionary. (scripts/python/
 * test_dictionary.py checks the same against pyarrow.)
 */
class DictionaryTest extends NodeTestBase {

  /** Three row groups, three dictionaries: [x y], [z x], [w z]; one null. */
  private static final List<List<String>> GROUPS = List.of(
      List.of("x", "y"), List.of("z", "x"), Arrays.asList(null, "w", "z"));
  private static final List<String> TAGS = Arrays.asList("x", "y", "z", "x", null, "w", "z");

  private String put(String key, List<List<String>> groups) throws Exception {
    Path file = tmp.resolve(key);
    DictionaryParquet.write(file, groups);
    s3.put(BUCKET, key, file);
    return "s3://" + BUCKET + "/" + key;
  }

  /** What a plain Flight client read: each row's tag, decoded, and each batch's dictionary. */
  private record Decoded(List<String> tags, List<List<String>> dictionaries, ReadStats stats) {}

  private Decoded read(FlightClient client, ReadTicket ticket) throws Exception {
    List<String> tags = new ArrayList<>();
    List<List<String>> dictionaries = new ArrayList<>();
    try (FlightStream stream = client.getStream(ticket.toFlightTicket())) {
      VectorSchemaRoot root = stream.getRoot();
      Field tag = root.getSchema().findField("tag");
      assertNotNull(tag.getDictionary(), "tag arrives dictionary-encoded");
      while (stream.next()) {
        if (root.getRowCount() > 0) { // not the closing metadata message
          dictionaries.add(decode(root, stream.getDictionaryProvider(), tags));
        }
      }
      return new Decoded(tags, dictionaries, ReadStats.from(stream));
    }
  }

  /** Appends the batch's tags to {@code tags}; returns the batch's dictionary. */
  static List<String> decode(VectorSchemaRoot batch, DictionaryProvider dictionaries,
      List<String> tags) {
    IntVector indices = (IntVector) batch.getVector("tag");
    VarCharVector values = (VarCharVector) dictionaries
        .lookup(indices.getField().getDictionary().getId()).getVector();
    for (int i = 0; i < batch.getRowCount(); i++) {
      tags.add(indices.isNull(i) ? null : values.getObject(indices.get(i)).toString());
    }
    List<String> dictionary = new ArrayList<>();
    for (int i = 0; i < values.getValueCount(); i++) {
      dictionary.add(values.getObject(i).toString());
    }
    return dictionary;
  }

  @Test
  void eachRowGroupArrivesWithItsOwnDictionary() throws Exception {
    String path = put("dict/groups.parquet", GROUPS);
    FlightClient client = connect(start(config(64 << 20)));

    Decoded read = read(client, ReadTicket.of(path));

    assertEquals(TAGS, read.tags());
    assertEquals(List.of(List.of("x", "y"), List.of("z", "x"), List.of("w", "z")),
        read.dictionaries(), "a replacement dictionary before each row group's batch");
    assertEquals(7, read.stats().rows());
  }

  @Test
  void batchesSmallerThanARowGroupShareItsDictionary() throws Exception {
    String path = put("dict/small-batches.parquet",
        List.of(List.of("a", "b", "a", "b", "c"), List.of("d", "d", "e")));
    FlightClient client = connect(start(config(64 << 20).withBatchRows(2)));

    Decoded read = read(client, ReadTicket.of(path));

    assertEquals(List.of("a", "b", "a", "b", "c", "d", "d", "e"), read.tags());
    assertEquals(5, read.stats().batches());
  }

  @Test
  void aFilterOnAnotherColumnKeepsTheDictionaries() throws Exception {
    String path = put("dict/filtered.parquet", GROUPS);
    FlightClient client = connect(start(config(64 << 20)));

    Decoded read = read(client, ReadTicket.of(path).withColumns(List.of("tag"))
        .withFilter("n >= 1 AND n != 3"));

    assertEquals(Arrays.asList("y", "z", null, "w", "z"), read.tags());
  }

  @Test
  void theMemoryTierLeavesDictionaryFilesToTheDisk() throws Exception {
    String path = put("dict/memory.parquet", GROUPS);
    FlightClient client = connect(start(config(64 << 20).withMemoryBytes(64 << 20)));

    read(client, ReadTicket.of(path)); // would offer the file to the memory tier
    Decoded again = read(client, ReadTicket.of(path));

    assertEquals(TAGS, again.tags());
    assertEquals(ReadStats.DISK, again.stats().tier());
  }

  @Test
  void theJavaClientHandsTheDictionariesToItsConsumer() throws Exception {
    String path = put("dict/client.parquet", GROUPS);
    Node node = start(config(64 << 20));
    List<String> tags = new ArrayList<>();

    try (IstziioClient client = IstziioClient.connect(node.uri().toString())) {
      ReadResult result = client.read(ReadTicket.of(path),
          (DictionaryBatchConsumer) (batch, dictionaries) -> decode(batch, dictionaries, tags));
      assertEquals(7, result.rows());
    }
    assertEquals(TAGS, tags);
  }
}

class DictionaryCliTest extends NodeTestBase {

  @Test
  void getPrintsValuesAndOutKeepsTheDictionaries() throws Exception {
    Path file = tmp.resolve("cli.parquet");
    DictionaryParquet.write(file, List.of(List.of("x", "y"), List.of("z", "x")));
    s3.put(BUCKET, "dict/cli.parquet", file);
    String path = "s3://" + BUCKET + "/dict/cli.parquet";
    String location = start(config(64 << 20)).uri().toString();

    CliTest.Run printed = CliTest.cli("get", path, "--node", location).assertOk();
    assertEquals(List.of("0  x", "1  y", "2  z", "3  x"),
        printed.out().lines().skip(2).limit(4).toList(), printed.out());

    Path csv = tmp.resolve("rows.csv");
    CliTest.cli("get", path, "--node", location, "--out", csv.toString()).assertOk();
    assertEquals(List.of("n,tag", "0,x", "1,y", "2,z", "3,x"), java.nio.file.Files.readAllLines(csv));

    Path arrows = tmp.resolve("rows.arrows");
    CliTest.cli("get", path, "--node", location, "--out", arrows.toString()).assertOk();
    List<String> tags = new ArrayList<>();
    try (org.apache.arrow.memory.BufferAllocator allocator = new org.apache.arrow.memory.RootAllocator();
         var reader = new org.apache.arrow.vector.ipc.ArrowStreamReader(
             java.nio.file.Files.newInputStream(arrows), allocator)) {
      while (reader.loadNextBatch()) {
        DictionaryTest.decode(reader.getVectorSchemaRoot(), reader, tags);
      }
    }
    assertEquals(List.of("x", "y", "z", "x"), tags, "the stream file replaces the dictionary");

    Path parquet = tmp.resolve("rows.parquet");
    CliTest.cli("get", path, "--node", location, "--out", parquet.toString()).assertOk();
    try (org.apache.arrow.memory.BufferAllocator allocator = new org.apache.arrow.memory.RootAllocator();
         var written = io.istziio.server.parquet.ParquetFile.open(allocator, parquet, "rows.parquet")) {
      assertNotNull(written.fileSchema().findField("tag").getDictionary(), "tag stays a dictionary");
    }

    Path arrow = tmp.resolve("rows.arrow");
    CliTest.Run refused = CliTest.cli("get", path, "--node", location, "--out", arrow.toString())
        .assertFails();
    assertTrue(refused.err().contains("write .arrows (IPC stream) or .parquet"), refused.err());
  }
}
