package io.istziio.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.protocol.CachedObject;
import io.istziio.client.protocol.ReadTicket;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.junit.jupiter.api.Test;

/** ListFlights through a real Flight client: what a node caches, in both tiers, by prefix. */
class ListFlightsTest extends NodeTestBase {

  private static List<FlightInfo> list(FlightClient client, String prefix) {
    List<FlightInfo> infos = new ArrayList<>();
    client.listFlights(new Criteria(prefix.getBytes(UTF_8))).forEach(infos::add);
    return infos;
  }

  private static List<String> paths(List<FlightInfo> infos) {
    return infos.stream().map(info -> info.getDescriptor().getPath().get(0)).toList();
  }

  @Test
  void listsTheDiskTierByPrefixInPathOrder() throws Exception {
    String b = putSample("lf/disk/b.parquet");
    String a = putSample("lf/disk/a.parquet");
    String other = putSample("lf/other/c.parquet");
    Node node = start(config(64 << 20));
    FlightClient client = connect(node);
    assertEquals(List.of(), list(client, ""), "nothing cached before any read");
    for (String path : List.of(b, a, other)) {
      read(client, path);
    }

    List<FlightInfo> infos = list(client, "s3://data/lf/disk/");

    assertEquals(List.of(a, b), paths(infos));
    for (FlightInfo info : infos) {
      String path = info.getDescriptor().getPath().get(0);
      CachedObject cached = CachedObject.from(info);
      String key = path.substring("s3://data/".length());
      assertEquals(new CachedObject(path, s3.etag(BUCKET, key, sample), sampleSize, "disk"), cached);
      assertEquals(sampleSize, info.getBytes());
      assertEquals(-1, info.getRecords(), "a disk-only object's rows are not counted");
      FlightEndpoint endpoint = info.getEndpoints().get(0);
      assertEquals(List.of(node.location()), endpoint.getLocations());
      assertEquals(ReadTicket.of(path), ReadTicket.parse(endpoint.getTicket().getBytes()));
    }
    assertEquals(List.of(a, b, other), paths(list(client, "")), "empty criteria: everything");
    assertEquals(List.of(), list(client, "s3://data/lf/none/"));
  }

  @Test
  void anEndpointOfTheListingReadsTheObject() throws Exception {
    String path = putSample("lf/read/x.parquet");
    Node node = start(config(64 << 20));
    FlightClient client = connect(node);
    read(client, path);

    FlightInfo info = list(client, path).get(0);

    FlightReads.Result again = FlightReads.read(client,
        ReadTicket.parse(info.getEndpoints().get(0).getTicket().getBytes()));
    assertEquals(ROWS, again.rows().size());
    assertTrue(again.stats().hit(), "listed objects are served from the cache");
  }

  @Test
  void anObjectTheMemoryTierHoldsIsListedOnceAsMemoryWithItsRows() throws Exception {
    String hot = putSample("lf/mem/hot.parquet");
    Node node = start(config(64 << 20).withMemoryBytes(64 << 20));
    FlightClient client = connect(node);
    warmMemory(node, client, hot);

    List<FlightInfo> infos = list(client, "s3://data/lf/mem/");

    assertEquals(List.of(hot), paths(infos), "one entry, though both tiers hold it");
    CachedObject cached = CachedObject.from(infos.get(0));
    assertEquals("memory", cached.tier());
    assertEquals(s3.etag(BUCKET, "lf/mem/hot.parquet", sample), cached.etag());
    assertEquals(ROWS, infos.get(0).getRecords());
    assertEquals(cached.bytes(), infos.get(0).getBytes());
    assertEquals(node.memory().usedBytes(), cached.bytes(), "the decoded batches' bytes");
  }
}
