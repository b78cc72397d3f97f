package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.istziio.client.protocol.Actions;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.ring.testing.RedisProcess;
import io.istziio.server.calls.RequestLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.FlightCallHeaders;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.HeaderCallOption;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Nothing secret reaches a log line, with the node's shipped logging configuration turned up to
 * DEBUG everywhere an operator could (ISTZIIO_LOG_LEVEL and the root logger): not a client's
 * bearer token (a valid one, or a wrong one the node refuses), not the Redis password in the
 * membership URI (through an outage of Redis and its return, which the node logs with the URI),
 * not the node's AWS secret key.
 */
class NoSecretsLoggedTest extends NodeTestBase {

  @Test
  void noCredentialInAnyLine() throws Exception {
    String token = "token-" + UUID.randomUUID();
    String wrongToken = "wrong-token-" + UUID.randomUUID();
    String password = "redis-pw-" + UUID.randomUUID();
    String path = putSample("secrets/a.parquet");
    Path tokens = Files.writeString(tmp.resolve("tokens"), token + "\n");
    System.setProperty("ISTZIIO_LOG_LEVEL", "DEBUG");
    configure("logback.xml"); // the node's own, from src/main/resources
    try (RedisProcess redis = RedisProcess.startSecure(password, null);
        LogCapture log = LogCapture.of(Level.DEBUG, org.slf4j.Logger.ROOT_LOGGER_NAME,
            RequestLog.LOGGER)) {
      String uri = "redis://:" + password + "@127.0.0.1:" + redis.port();
      Node node = start(config(64 << 20)
          .withRing(NodeConfig.Ring.standalone().withRedis(uri, "secrets", Duration.ofMillis(900)))
          .withSecurity(NodeConfig.Security.none().withTokenFile(tokens)));
      FlightClient client = connect(node);
      HeaderCallOption credentials = headers("Bearer " + token);

      client.getInfo(FlightDescriptor.command(ReadTicket.of(path).toJsonBytes()), credentials);
      try (FlightStream stream = client.getStream(ReadTicket.of(path).toFlightTicket(), credentials)) {
        while (stream.next()) {
          // read it all
        }
      }
      client.doAction(new Action(Actions.STATS), credentials).forEachRemaining(r -> { });
      assertStatus(FlightStatusCode.UNAUTHENTICATED, () -> client.getInfo(
          FlightDescriptor.command(ReadTicket.of(path).toJsonBytes()), headers("Bearer " + wrongToken)));
      redis.stop();
      waitUntil(() -> has(log, "cannot be reached"));
      redis.restart();
      waitUntil(() -> has(log, "reachable again"));
      waitUntil(() -> log.messages(RequestLog.LOGGER).size() >= 4);

      List<String> lines = log.events().stream().map(LogCapture::text).toList();
      for (String line : lines) {
        assertFalse(line.contains(token), () -> "the token in: " + line);
        assertFalse(line.contains(wrongToken), () -> "a wrong token in: " + line);
        assertFalse(line.contains(password), () -> "the Redis password in: " + line);
        assertFalse(line.contains(S3Server.SECRET_KEY), () -> "the AWS secret key in: " + line);
      }
      // Not vacuous: DEBUG was on, the calls were logged (the refused one too, without a peer),
      // and the Redis URI was, without its password.
      assertTrue(log.events().stream().anyMatch(e -> e.getLevel() == Level.DEBUG), "DEBUG lines");
      List<java.util.Map<String, String>> calls = log.messages(RequestLog.LOGGER).stream()
          .map(LogCapture::pairs).toList();
      assertEquals(List.of("GetFlightInfo", "DoGet", "DoAction:stats", "GetFlightInfo"),
          calls.stream().map(c -> c.get("call")).toList().subList(0, 4));
      assertEquals("UNAUTHENTICATED", calls.get(3).get("status"), calls.get(3)::toString);
      assertEquals("-", calls.get(3).get("peer"));
      assertTrue(lines.stream().anyMatch(l -> l.contains("Redis at redis://127.0.0.1:" + redis.port())),
          "the Redis URI, without its password");
    } finally {
      System.clearProperty("ISTZIIO_LOG_LEVEL");
      closeAll();
      configure("logback-test.xml");
    }
  }

  private static HeaderCallOption headers(String authorization) {
    FlightCallHeaders headers = new FlightCallHeaders();
    headers.insert("authorization", authorization);
    headers.insert("x-api-key", authorization);
    return new HeaderCallOption(headers);
  }

  private static boolean has(LogCapture log, String text) {
    return log.events().stream().map(ILoggingEvent::getFormattedMessage).anyMatch(m -> m.contains(text));
  }

  private static void configure(String resource) throws Exception {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(NoSecretsLoggedTest.class.getClassLoader().getResource(resource));
  }
}
