package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import io.istziio.server.calls.RequestLog;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightStatusCode;
import org.junit.jupiter.api.Test;

/**
 * A failed store call is logged once, at WARN, with its cause (the S3 error code and message, or
 * the exception, and the S3 client's attempts), and nothing else the node logs for it is a warning.
 */
class StoreFailureLogTest extends NodeTestBase {

  private static final String STORE = "io.istziio.server.store.StoreFailures";

  @Test
  void aMissingBucketIsOneWarningWithS3sErrorCode() throws Exception {
    Node node = start(config(64 << 20));
    FlightClient client = connect(node);
    try (LogCapture log = LogCapture.of(Level.INFO, org.slf4j.Logger.ROOT_LOGGER_NAME,
        RequestLog.LOGGER)) {
      assertStatus(FlightStatusCode.NOT_FOUND, () -> read(client, "s3://no-such-bucket/a.parquet"));
      Map<String, String> warning = onlyWarning(log);
      assertEquals("s3", warning.get("store"));
      assertEquals("GET", warning.get("op"));
      assertEquals("s3://no-such-bucket/a.parquet", warning.get("path"));
      assertEquals("NOT_FOUND", warning.get("status"));
      assertEquals("NoSuchBucket", warning.get("error"));
      assertEquals("404", warning.get("http"));
      assertEquals("1", warning.get("attempts"));
      assertTrue(warning.get("message").toLowerCase().contains("bucket"), warning::toString);
    }
  }

  /** A 503 is retried by the S3 client: one line, after the retries, counting them. */
  @Test
  void aFailingStoreIsOneWarningAfterTheRetries() throws Exception {
    String path = putSample("store-failures/503.parquet");
    Node node = start(config(64 << 20));
    FlightClient client = connect(node);
    s3.failGets(503);
    try (LogCapture log = LogCapture.of(Level.INFO, org.slf4j.Logger.ROOT_LOGGER_NAME,
        RequestLog.LOGGER)) {
      assertStatus(FlightStatusCode.UNAVAILABLE, () -> read(client, path));
      Map<String, String> warning = onlyWarning(log);
      assertEquals("UNAVAILABLE", warning.get("status"));
      assertEquals("503", warning.get("http"));
      int attempts = Integer.parseInt(warning.get("attempts"));
      assertEquals(attempts, s3.nodeRequests("store-failures/503.parquet").size(),
          "attempts as the S3 server saw them");
      assertTrue(attempts > 1, warning::toString);
      assertTrue(warning.get("message").contains("503"), warning::toString);
    } finally {
      s3.failGets(0);
    }
  }

  /**
   * S3 stopped: the cached object's revalidation (HEAD) fails, is logged once with the client's
   * exception, and the cache's own line about serving the known version is not a second warning.
   */
  @Test
  void aStoppedStoreIsOneWarningPerCallWithTheException() throws Exception {
    try (S3Server own = new S3Server(Files.createDirectories(tmp.resolve("own-s3")))) {
      own.createBucket(BUCKET);
      own.put(BUCKET, "a.parquet", sample);
      own.put(BUCKET, "b.parquet", sample);
      Node node = start(config(64 << 20).withS3(own.config()).withFreshness(Duration.ZERO));
      FlightClient client = connect(node);
      read(client, "s3://data/a.parquet");
      own.close();
      try (LogCapture log = LogCapture.of(Level.INFO, org.slf4j.Logger.ROOT_LOGGER_NAME,
        RequestLog.LOGGER)) {
        assertEquals(ROWS, read(client, "s3://data/a.parquet").rows().size(),
            "the known version is served while the store is away");
        Map<String, String> head = onlyWarning(log);
        assertEquals("HEAD", head.get("op"));
        assertEquals("UNAVAILABLE", head.get("status"));
        assertEquals("SdkClientException", head.get("error"));
        assertTrue(Integer.parseInt(head.get("attempts")) >= 1, head::toString);
        assertTrue(head.get("message").contains("Unable to execute HTTP request"), head::toString);
        assertTrue(log.events().stream().anyMatch(e -> e.getFormattedMessage()
            .startsWith("cannot revalidate s3://data/a.parquet")), "the cache says what it does");
      }
      try (LogCapture log = LogCapture.of(Level.INFO, org.slf4j.Logger.ROOT_LOGGER_NAME,
        RequestLog.LOGGER)) {
        assertStatus(FlightStatusCode.UNAVAILABLE, () -> read(client, "s3://data/b.parquet"));
        Map<String, String> get = onlyWarning(log);
        assertEquals("GET", get.get("op"));
        assertEquals("s3://data/b.parquet", get.get("path"));
        assertEquals("SdkClientException", get.get("error"));
      }
    }
  }

  /** The one WARN-or-above event, which must come from the store; its pairs. */
  private static Map<String, String> onlyWarning(LogCapture log) throws InterruptedException {
    // The request line comes last, once the call is closed: by then every other line is in.
    waitUntil(() -> !log.messages(RequestLog.LOGGER).isEmpty());
    List<ILoggingEvent> warnings = log.events(e -> e.getLevel().isGreaterOrEqual(Level.WARN));
    assertEquals(1, warnings.size(),
        () -> "one warning: " + warnings.stream().map(LogCapture::text).toList());
    assertEquals(STORE, warnings.get(0).getLoggerName());
    assertEquals(Level.WARN, warnings.get(0).getLevel());
    assertEquals(null, warnings.get(0).getThrowableProxy(), "no stack trace");
    return LogCapture.pairs(warnings.get(0).getFormattedMessage());
  }
}
