package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.data.SampleData;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightStatusCode;
import org.junit.jupiter.api.Test;

/**
 * Issue 10: every key S3 can hold is read by {@code s3://bucket/} followed by the key as written,
 * and never as another object. Each object holds a different number of rows, and beside each odd
 * key sits the decoy that a decoding, a fragment or a merged slash would read instead.
 */
class PathFormsTest extends NodeTestBase {

  /** Key → the key a wrong reading of it would reach (null: none worth a decoy). */
  private static final Map<String, String> FORMS = new LinkedHashMap<>();

  static {
    FORMS.put("sk/hash#1.parquet", "sk/hash"); // '#' is not a fragment
    FORMS.put("a b%20c.parquet", "a b c.parquet"); // '%20' is not decoded
    FORMS.put("%41.parquet", "A.parquet");
    FORMS.put("100%.parquet", null); // a '%' that is no escape at all
    FORMS.put("q?b.parquet", "q"); // '?' is not a query
    FORMS.put("q?x=1#y", null);
    FORMS.put("ü.parquet", "%C3%BC.parquet");
    FORMS.put("emoji 😀/日本.parquet", null);
    FORMS.put("plus+sign.parquet", "plus sign.parquet");
    FORMS.put("tab\there\nnewline.parquet", null); // control characters other than NUL
    FORMS.put("semi;colon,=&@$:'\"<>[]{}|^`~\\.parquet", null);
  }

  /** The key of an s3:// path of this test's bucket. */
  private static String key(String path) {
    return path.substring(("s3://" + BUCKET + "/").length());
  }

  @Test
  void everyKeyReadsTheObjectWithExactlyThatKey() throws Exception {
    Map<String, Integer> rowsOf = new LinkedHashMap<>();
    FORMS.forEach((form, decoy) -> {
      rowsOf.put(form, 0);
      if (decoy != null) {
        rowsOf.put(decoy, 0);
      }
    });
    int rows = 10;
    for (String key : rowsOf.keySet()) {
      Path file = tmp.resolve(rows + ".parquet");
      SampleData.write(file, rows, 1_000);
      s3.put(BUCKET, key, file);
      rowsOf.put(key, rows++);
    }
    assertTrue(s3.list(BUCKET).containsAll(rowsOf.keySet()), "S3Proxy holds every key as written");
    FlightClient client = connect(start(config(64 << 20)));

    for (String key : FORMS.keySet()) {
      String path = "s3://" + BUCKET + "/" + key;
      int requestsBefore = s3.requestLog().size();
      assertEquals(rowsOf.get(key), read(client, path).rows().size(), () -> "rows of " + path);
      // What went over the wire names the key exactly (the decoder here is only for checking:
      // a path segment's '+' is a plus, so it is escaped before URLDecoder sees it).
      List<String> sent = s3.requestLog().subList(requestsBefore, s3.requestLog().size());
      assertEquals(List.of("GET /" + BUCKET + "/" + key), sent.stream().map(request ->
          URLDecoder.decode(request.replace("+", "%2B"), StandardCharsets.UTF_8)).toList());
      // A hit, through GetFlightInfo too: the cache keys it under the same path.
      assertEquals(rowsOf.get(key).longValue(),
          client.getInfo(org.apache.arrow.flight.FlightDescriptor.path(path)).getRecords());
    }
  }

  /**
   * S3 holds keys with empty segments ({@code x//y}, {@code /lead}); the SDK signs the path
   * with the key as written and sends the extra slashes as {@code %2F}, as AWS S3 expects. S3Proxy decodes the path before
   * it checks the signature, so it can hold no such key (its PUT fails too): the node must send
   * the key as written, never read the decoy a merged slash names, and say why the server refused.
   */
  @Test
  void keysWithEmptySegmentsAreSentAsWrittenAndNeverReadAsAnother() throws Exception {
    putSample("x/y.parquet");
    putSample("lead.parquet");
    FlightClient client = connect(start(config(64 << 20)));

    for (String key : List.of("x//y.parquet", "/lead.parquet")) {
      String path = "s3://" + BUCKET + "/" + key;
      int requestsBefore = s3.requestLog().size();
      var e = assertStatus(FlightStatusCode.INVALID_ARGUMENT, () -> read(client, path));
      assertEquals("S3 at " + s3.endpoint() + " refused the signature of the request for " + path
          + ", whose key has an empty segment (\"//\" or a leading \"/\"): AWS S3 reads such keys,"
          + " this server does not; if other keys read fine, copy the object to a key without"
          + " empty segments", e.status().description());
      // The path the SDK signs: the key as written (its Apache client then sends "//" as
      // "/%2F", which AWS S3 decodes back to this path).
      assertEquals(List.of("GET /" + BUCKET + "/" + key),
          s3.requestLog().subList(requestsBefore, s3.requestLog().size()));
    }
  }

  @Test
  void whatNoServerCanBeTrustedWithIsRefusedBeforeAnyStoreCall() throws Exception {
    FlightClient client = connect(start(config(64 << 20)));
    Map<String, String> refused = new LinkedHashMap<>();
    refused.put("s3://data/a/./b.parquet", "has a \".\" segment in its key");
    refused.put("s3://data/a/../b.parquet", "has a \"..\" segment in its key");
    refused.put("s3://data/..", "has a \"..\" segment in its key");
    refused.put("s3://data/a\u0000b.parquet", "holds a NUL character");
    refused.put("s3://data/lone\ud800.parquet", "not Unicode (an unpaired surrogate)");
    refused.put("s3://data/" + "k".repeat(1_025), "longer than S3 allows (1024 bytes of UTF-8)");
    refused.put("s3://data/" + "ü".repeat(513), "longer than S3 allows (1024 bytes of UTF-8)");
    // A path ending in "/" is a dataset (a prefix): DoGet refuses it, GetFlightInfo lists it.
    refused.put("s3://data/dir/", "a dataset is read by its endpoints");
    refused.put("s3://data/", "a dataset is read by its endpoints");
    refused.put("s3://data", "names no object");
    refused.put("s3:///key.parquet", "names no object");
    refused.put("s3://user@data/key.parquet", "which is not an S3 bucket name");
    refused.put("s3://data:80/key.parquet", "which is not an S3 bucket name");
    int requestsBefore = s3.requestLog().size();

    refused.forEach((path, why) -> {
      var e = assertStatus(FlightStatusCode.INVALID_ARGUMENT, () -> read(client, path));
      assertTrue(e.status().description().contains(why), () -> path + ": " + e.status().description());
    });
    assertEquals(requestsBefore, s3.requestLog().size(), "no request reached S3");
  }

  @Test
  void aKeyOfExactly1024BytesIsRead() throws Exception {
    // S3Proxy keeps keys as file paths: no name over 255 bytes.
    String key = ("k".repeat(250) + "/").repeat(4) + "x".repeat(12) + ".parquet";
    assertEquals(1_024, key.length());
    String path = putSample(key);
    FlightClient client = connect(start(config(64 << 20)));

    assertEquals(ROWS, read(client, path).rows().size());
  }
}
