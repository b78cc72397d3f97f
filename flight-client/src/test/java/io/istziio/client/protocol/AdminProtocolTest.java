package io.istziio.client.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.junit.jupiter.api.Test;

/** The admin actions' JSON bodies: their wire names, round trips and refusals. */
class AdminProtocolTest {

  private static String json(byte[] bytes) {
    return new String(bytes, UTF_8);
  }

  private static String refused(Runnable parse) {
    FlightRuntimeException e = assertThrows(FlightRuntimeException.class, parse::run);
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
    return e.status().description();
  }

  @Test
  void everyFieldTravelsUnderItsSnakeCaseName() {
    WarmRequest forwarded = WarmRequest.localPart(List.of("s3://b/a"), 3);
    WarmRequest asked = WarmRequest.of("s3://b/t/").withPrimaryOnly(true);

    assertEquals("{\"paths\":[\"s3://b/a\"],\"concurrency\":3,\"local\":true}",
        json(forwarded.toJsonBytes()));
    assertEquals("{\"path\":\"s3://b/t/\",\"primary_only\":true}", json(asked.toJsonBytes()));
    assertEquals(forwarded, WarmRequest.parse(forwarded.toJsonBytes()));
    assertTrue(WarmRequest.parse(forwarded.toJsonBytes()).hereOnly());
    assertTrue(WarmRequest.parse(asked.toJsonBytes()).primariesOnly());
    assertEquals("{\"disk_bytes\":10,\"memory_bytes\":0}",
        json(new ResizeRequest(10L, 0L).toJsonBytes()));
    assertEquals("{\"path\":\"s3://b/t/\",\"force\":true}",
        json(EvictRequest.of("s3://b/t/", true).toJsonBytes()));
    EvictResult result = new EvictResult("n1", 2, 20, 1, 1, 5, List.of("s3://b/p"), 0);
    assertEquals(result, EvictResult.fromJson(result.toJsonBytes()));
    assertTrue(json(result.toJsonBytes()).contains("\"skipped_pinned\":[\"s3://b/p\"]"));
    WarmProgress progress = new WarmProgress("s3://b/a", "n1", 5, WarmProgress.CACHED, null, 1, 2);
    assertEquals(progress, WarmProgress.fromJson(progress.toJsonBytes()));
  }

  @Test
  void badBodiesSayWhatToSend() {
    assertTrue(refused(() -> EvictRequest.parse("[1]".getBytes(UTF_8)))
        .startsWith("the evict body must be a JSON object such as {\"path\""));
    assertTrue(refused(() -> PinRequest.parse("{\"path\": 5}".getBytes(UTF_8), Actions.PIN))
        .startsWith("field \"path\" of the pin body has the wrong type"));
    assertTrue(refused(() -> PinRequest.parse("{\"path\": \"a\", \"paths\": [\"b\"]}"
        .getBytes(UTF_8), Actions.UNPIN)).contains("both \"path\" and \"paths\""));
    assertTrue(refused(() -> EvictRequest.parse("{\"paths\": [\"s3://b/t/\"]}".getBytes(UTF_8)))
        .contains("lists objects, not \"s3://b/t/\""));
    assertTrue(refused(() -> WarmRequest.parse("{\"path\": \"s3://b/\", \"concurrency\": 0}"
        .getBytes(UTF_8))).contains("\"concurrency\" is 0; send 1 to 64"));
    assertTrue(refused(() -> ResizeRequest.parse("{\"disk_bytes\": \"10\"}".getBytes(UTF_8)))
        .startsWith("field \"disk_bytes\" of the resize body has the wrong type"));
    assertTrue(refused(() -> ResizeRequest.parse("{\"disk_bytes\": 1.5}".getBytes(UTF_8)))
        .startsWith("field \"disk_bytes\" of the resize body has the wrong type"));
    assertTrue(refused(() -> EvictRequest.parse("{\"path\": \"s3://b/a\", \"force\": 1}"
        .getBytes(UTF_8))).startsWith("field \"force\" of the evict body has the wrong type"));
    assertTrue(refused(() -> ResizeRequest.parse("{}".getBytes(UTF_8)))
        .startsWith("the resize body names no bound"));
    assertTrue(refused(() -> ResizeRequest.parse("{\"disk_bytes\": 0}".getBytes(UTF_8)))
        .contains("must be above 0"));
  }

  @Test
  void sizesTakeTheCacheSizeSuffixes() {
    assertEquals(512L << 20, ByteSizes.parse("512MiB"));
    assertEquals(10_000_000_000L, ByteSizes.parse("10 gb"));
    assertEquals(42, ByteSizes.parse("42"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ByteSizes.parse("9999999TiB"));
    assertTrue(e.getMessage().startsWith("not a size: \"9999999TiB\""), e.getMessage());
  }
}
