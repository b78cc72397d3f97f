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
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.FlightCallHeaders;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.HeaderCallOption;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Nothing secret reaches a log line, with the node's shipped logging configuration turned up to
 * DEBUG everywhere an operator could (ISTZIIO_LOG_LEVEL and the root logger): not a client's
 * authorization header, not the Redis password in the membership URI (through an outage of Redis
 * and its return, which the node logs with the URI), not the node's AWS secret key.
 */
class NoSecretsLoggedTest extends NodeTestBase {

  @Test
  void noCredentialInAnyLine() throws Exception {
    String token = "Bearer token-" + UUID.randomUUID();
    String password = "redis-pw-" + UUID.randomUUID();
    String path = putSample("secrets/a.parquet");
    System.setProperty("ISTZIIO_LOG_LEVEL", "DEBUG");
    configure("logback.xml"); // the node's own, from src/main/resources
    try (RedisProcess redis = RedisProcess.start();
        LogCapture log = LogCapture.of(Level.DEBUG, org.slf4j.Logger.ROOT_LOGGER_NAME,
            RequestLog.LOGGER)) {
      String uri = "redis://:" + password + "@127.0.0.1:" + redis.port();
      Node node = start(config(64 << 20).withRing(NodeConfig.Ring.standalone()
          .withRedis(uri, "secrets", Duration.ofMillis(900))));
      FlightClient client = connect(node);
      FlightCallHeaders headers = new FlightCallHeaders();
      headers.insert("authorization", token);
      headers.insert("x-api-key", token);
      HeaderCallOption credentials = new HeaderCallOption(headers);

      client.getInfo(FlightDescriptor.command(ReadTicket.of(path).toJsonBytes()), credentials);
      try (FlightStream stream = client.getStream(ReadTicket.of(path).toFlightTicket(), credentials)) {
        while (stream.next()) {
          // read it all
        }
      }
      client.doAction(new Action(Actions.STATS), credentials).forEachRemaining(r -> { });
      redis.stop();
      waitUntil(() -> has(log, "cannot be reached"));
      redis.restart();
      waitUntil(() -> has(log, "reachable again"));
      waitUntil(() -> log.messages(RequestLog.LOGGER).size() >= 3);

      List<String> lines = log.events().stream().map(LogCapture::text).toList();
      for (String line : lines) {
        assertFalse(line.contains(token.substring("Bearer ".length())), () -> "a token in: " + line);
        assertFalse(line.contains(password), () -> "the Redis password in: " + line);
        assertFalse(line.contains(S3Server.SECRET_KEY), () -> "the AWS secret key in: " + line);
      }
      // Not vacuous: DEBUG was on, the calls were logged, and the URI was, without its password.
      assertTrue(log.events().stream().anyMatch(e -> e.getLevel() == Level.DEBUG), "DEBUG lines");
      assertEquals(List.of("GetFlightInfo", "DoGet", "DoAction:stats"), log.messages(RequestLog.LOGGER)
          .stream().map(m -> LogCapture.pairs(m).get("call")).toList().subList(0, 3));
      assertTrue(lines.stream().anyMatch(l -> l.contains("redis://:***@127.0.0.1:" + redis.port())),
          "the Redis URI, masked");
    } finally {
      System.clearProperty("ISTZIIO_LOG_LEVEL");
      closeAll();
      configure("logback-test.xml");
    }
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
