package io.istziio.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.ClientSecurity;
import io.istziio.client.FlightClientPool;
import io.istziio.client.IstziioClient;
import io.istziio.client.protocol.Actions;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.client.protocol.WarmProgress;
import io.istziio.client.protocol.WarmRequest;
import io.istziio.ring.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.Result;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A node serving TLS and wanting a token, through real Flight clients: who gets in, with which
 * status and message, and what each role may call.
 */
class SecurityTest extends NodeTestBase {

  static final String READ = "read-token-0123456789abcdef";
  static final String NODE = "node-token-0123456789abcdef";
  static final String ADMIN = "admin-token-0123456789abcdef";
  private static final String OWNER_INFO = "owner-flight-info";

  private TestCertificates certificates;
  private Path tokens;
  private String path;

  @BeforeEach
  void files() throws Exception {
    certificates = TestCertificates.create(tmp.resolve("tls"));
    tokens = tmp.resolve("tokens");
    writeTokens("# readers first\n" + READ + "\n\n" + NODE + " node\n" + ADMIN + " admin\n");
    path = putSample("security/sample.parquet");
  }

  /** Replaces the token file at once (a rename), as an operator's tooling should. */
  private void writeTokens(String text) throws Exception {
    Path next = Files.writeString(tmp.resolve("tokens.next"), text);
    Files.move(next, tokens, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private Node secureNode() throws Exception {
    return start(config(64 << 20).withMetricsPort(NodeConfig.ANY_METRICS_PORT)
        .withSecurity(NodeConfig.Security.none().withTls(certificates.cert(), certificates.key())
            .withTokenFile(tokens)));
  }

  /** A Flight client of {@code node} that trusts the test CA and sends {@code token} (or none). */
  private FlightClient flight(Node node, String token) {
    ClientSecurity security = ClientSecurity.none().withTrustedCertificates(certificates.ca())
        .withToken(token);
    return track(new FlightClientPool(clientAllocator(), security)).get(node.location());
  }

  private static byte[] action(FlightClient client, String type, byte[] body) {
    Iterator<Result> results = client.doAction(new Action(type, body));
    byte[] first = results.hasNext() ? results.next().getBody() : new byte[0];
    results.forEachRemaining(r -> { });
    return first;
  }

  private long rows(IstziioClient client) throws Exception {
    AtomicLong rows = new AtomicLong();
    client.read(ReadTicket.of(path), batch -> rows.addAndGet(batch.getRowCount()));
    return rows.get();
  }

  @Test
  void aClientWithoutTheNodesCaFailsAndOneWithItReads() throws Exception {
    Node node = secureNode();
    assertEquals("grpc+tls", node.uri().getScheme(), "the node advertises its TLS location");
    String location = node.uri().toString();

    for (ClientSecurity untrusting : List.of(ClientSecurity.none().withToken(READ),
        ClientSecurity.none().withTrustedCertificates(certificates.otherCa()).withToken(READ))) {
      IstziioClient client = track(IstziioClient.connect(untrusting, 1, location));
      FlightRuntimeException e = assertThrows(FlightRuntimeException.class, () -> rows(client));
      assertEquals(FlightStatusCode.UNAVAILABLE, e.status().code());
      assertTrue(e.getMessage().contains("TLS handshake failed")
          && e.getMessage().contains("--tls-ca"), e.getMessage());
    }
    IstziioClient plaintext = track(IstziioClient.connect(ClientSecurity.none().withToken(READ), 1,
        "grpc+tcp://127.0.0.1:" + node.port()));
    FlightRuntimeException e = assertThrows(FlightRuntimeException.class, () -> rows(plaintext));
    assertEquals(FlightStatusCode.UNAVAILABLE, e.status().code(), e.getMessage());

    IstziioClient trusting = track(IstziioClient.connect(ClientSecurity.none()
        .withTrustedCertificates(certificates.ca()).withToken(READ), 1, location));
    assertEquals(ROWS, rows(trusting));
    assertSampleRows(FlightReads.read(flight(node, READ),
        ReadTicket.of(path).withColumns(List.of("id", "name"))).rows(),
        List.of("id", "name"));
  }

  /**
   * The holder's side of the warm hand-off: a node's cached copy, byte for byte, to a caller with
   * a node token only; NOT_FOUND for a path it holds no copy of, never a download for a peer.
   */
  @Test
  void aHandOffReadNeedsANodeTokenAndSendsTheCachedBytes() throws Exception {
    Node node = secureNode();
    assertEquals(ROWS, FlightReads.read(flight(node, READ), ReadTicket.of(path)
        .withColumns(List.of("id"))).rows().size()); // now cached
    org.apache.arrow.flight.Ticket ticket = new org.apache.arrow.flight.Ticket(
        io.istziio.server.handoff.PeerTicket.of(path));
    FlightRuntimeException refused = assertStatus(FlightStatusCode.UNAUTHORIZED,
        () -> drain(flight(node, READ).getStream(ticket)));
    assertTrue(refused.status().description().contains("node or admin"), refused.getMessage());

    java.io.ByteArrayOutputStream copy = new java.io.ByteArrayOutputStream();
    try (org.apache.arrow.flight.FlightStream stream = flight(node, NODE).getStream(ticket)) {
      assertEquals(s3.etag(BUCKET, "security/sample.parquet", sample), stream.getSchema()
          .getCustomMetadata().get(io.istziio.server.handoff.PeerObjectStream.ETAG));
      while (stream.next()) {
        org.apache.arrow.vector.VarBinaryVector chunk =
            (org.apache.arrow.vector.VarBinaryVector) stream.getRoot().getVector(0);
        for (int i = 0; i < stream.getRoot().getRowCount(); i++) {
          copy.write(chunk.get(i));
        }
      }
    }
    assertTrue(java.util.Arrays.equals(Files.readAllBytes(sample), copy.toByteArray()),
        "the copy is the object's bytes");

    String uncached = putSample("security/uncached.parquet");
    assertStatus(FlightStatusCode.NOT_FOUND, () -> drain(flight(node, NODE).getStream(
        new org.apache.arrow.flight.Ticket(io.istziio.server.handoff.PeerTicket.of(uncached)))));
    assertEquals(0, s3.gets("security/uncached.parquet"), "nothing downloaded for a peer");
    assertStatus(FlightStatusCode.INVALID_ARGUMENT, () -> drain(flight(node, NODE).getStream(
        new org.apache.arrow.flight.Ticket(io.istziio.server.handoff.PeerTicket.of("")))));
  }

  private static void drain(org.apache.arrow.flight.FlightStream stream) throws Exception {
    try (stream) {
      while (stream.next()) {
        // discard
      }
    }
  }

  @Test
  void aCallWithoutATokenOrWithAWrongOneIsUnauthenticated() throws Exception {
    Node node = secureNode();
    for (String token : new String[] {null, "not-a-token-of-this-node-0000", READ + "x"}) {
      FlightClient client = flight(node, token);
      List<ThrowingRunnable> calls = List.of(
          () -> client.getInfo(FlightDescriptor.path(path)),
          () -> read(client, path),
          () -> client.listFlights(Criteria.ALL).forEach(info -> { }),
          () -> client.listActions().forEach(type -> { }),
          () -> action(client, Actions.STATS, new byte[0]));
      for (ThrowingRunnable call : calls) {
        FlightRuntimeException e = assertStatus(FlightStatusCode.UNAUTHENTICATED, call);
        assertTrue(e.status().description().contains("--token-file")
            && e.status().description().contains("authorization: Bearer"), e.getMessage());
        assertFalse(token != null && e.getMessage().contains(token), "the token is not echoed");
      }
    }
    // The node kept serving: a valid token reads.
    assertEquals(ROWS, read(flight(node, READ), path).rows().size());
    // Refused calls are counted with the others (they never reach the request meter's end).
    assertEquals(3.0, MetricsTest.value(MetricsTest.parse(MetricsTest.scrape(node)),
        "istziio_flight_requests_total", java.util.Map.of("method", "GetFlightInfo",
            "status", "UNAUTHENTICATED")));
  }

  @Test
  void eachRoleCallsWhatItMayAndGetsUnauthorizedForTheRest() throws Exception {
    Node node = secureNode();
    FlightClient reader = flight(node, READ);
    FlightClient peer = flight(node, NODE);
    FlightClient admin = flight(node, ADMIN);
    byte[] ticket = ReadTicket.of(path).toJsonBytes();

    assertEquals(node.id(), stats(reader).node(), "a read token may ask for the stats");
    for (String adminAction : Actions.ADMIN) {
      for (FlightClient notAdmin : List.of(reader, peer)) {
        FlightRuntimeException e = assertStatus(FlightStatusCode.UNAUTHORIZED,
            () -> action(notAdmin, adminAction, new byte[0]));
        assertTrue(e.status().description().contains("admin"), e.getMessage());
      }
      // An admin token passes the check, to the action's own refusal of a body it does not know
      // (which also keeps drain from stopping the node).
      assertStatus(FlightStatusCode.INVALID_ARGUMENT,
          () -> action(admin, adminAction, "{\"not_a_field\": 1}".getBytes(UTF_8)));
    }
    // The share of a warm one node forwards to an owner takes a node token, not a read token.
    byte[] share = WarmRequest.localPart(List.of(path), 1).toJsonBytes();
    assertStatus(FlightStatusCode.UNAUTHORIZED, () -> action(reader, Actions.WARM, share));
    WarmProgress warmed = WarmProgress.fromJson(action(peer, Actions.WARM, share));
    assertFalse(warmed.failed(), warmed.error());

    FlightRuntimeException internal = assertStatus(FlightStatusCode.UNAUTHORIZED,
        () -> action(reader, OWNER_INFO, ticket));
    assertTrue(internal.status().description().contains("node or admin"), internal.getMessage());
    for (FlightClient allowed : List.of(peer, admin)) {
      byte[] info = action(allowed, OWNER_INFO, ticket);
      assertEquals(ROWS, org.apache.arrow.flight.FlightInfo.deserialize(
          java.nio.ByteBuffer.wrap(info)).getRecords());
    }
  }

  /** Flight's middleware wraps the Flight service only: health checks need no token. */
  @Test
  void theHealthServiceAnswersWithoutAToken() throws Exception {
    Node node = secureNode();
    io.grpc.ManagedChannel channel = io.grpc.netty.NettyChannelBuilder
        .forAddress("127.0.0.1", node.port())
        .sslContext(io.grpc.netty.GrpcSslContexts.forClient()
            .trustManager(certificates.ca().toFile()).build())
        .build();
    track(() -> {
      channel.shutdownNow();
      channel.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
    });
    io.grpc.health.v1.HealthCheckResponse.ServingStatus status =
        io.grpc.health.v1.HealthGrpc.newBlockingStub(channel)
            .withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
            .check(io.grpc.health.v1.HealthCheckRequest.newBuilder().setService("").build())
            .getStatus();
    assertEquals(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING, status);
  }

  @Test
  void aReplacedTokenFileTakesEffectWithoutARestart() throws Exception {
    Node node = secureNode();
    FlightClient old = flight(node, READ);
    assertEquals(node.id(), stats(old).node());

    String replacement = "replacement-token-0123456789";
    writeTokens(replacement + "\n" + ADMIN + " admin\n");
    waitUntil(() -> {
      try {
        stats(old);
        return false;
      } catch (FlightRuntimeException e) {
        assertEquals(FlightStatusCode.UNAUTHENTICATED, e.status().code(), e.getMessage());
        return true;
      }
    });
    assertEquals(node.id(), stats(flight(node, replacement)).node(), "the new token is accepted");
    assertEquals(ROWS, read(flight(node, replacement), path).rows().size());
  }

  @Test
  void halfOrWrongTlsSettingsAndBadTokenFilesStopTheStartWithAMessage() throws Exception {
    NodeConfig base = config(64 << 20);
    NodeConfig.Security none = NodeConfig.Security.none();
    assertStartFails(base.withSecurity(none.withTls(certificates.cert(), null)),
        "needs both --tls-cert and --tls-key");
    assertStartFails(base.withSecurity(none.withTls(null, certificates.key())),
        "needs both --tls-cert and --tls-key");

    TestCertificates other = TestCertificates.create(tmp.resolve("other"));
    assertStartFails(base.withSecurity(none.withTls(certificates.cert(), other.key())),
        "is not the key of the first certificate");
    Path pkcs1 = Files.writeString(tmp.resolve("rsa.key"),
        "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n");
    assertStartFails(base.withSecurity(none.withTls(certificates.cert(), pkcs1)),
        "openssl pkcs8 -topk8");
    assertStartFails(base.withSecurity(none.withTls(certificates.cert(), certificates.key())
        .withTlsCa(pkcs1)), "--tls-ca");
    assertStartFails(base.withSecurity(none.withTls(certificates.cert(), certificates.key()))
        .withAdvertise(java.net.URI.create("grpc+tcp://127.0.0.1:1")), "grpc+tls://");

    String secret = "a-secret-that-must-not-show-0001";
    Path bad = Files.writeString(tmp.resolve("bad-tokens"), "# ok\n" + secret + " superuser\n");
    String message = assertStartFails(base.withSecurity(none.withTokenFile(bad)), "line 2");
    assertTrue(message.contains("read, node or admin"), message);
    assertFalse(message.contains(secret), "the token is not in the message: " + message);
  }

  private String assertStartFails(NodeConfig config, String expected) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> start(config));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    return e.getMessage();
  }
}
