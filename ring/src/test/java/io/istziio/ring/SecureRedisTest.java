package io.istziio.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.ring.testing.RedisProcess;
import io.istziio.ring.testing.TestCertificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Membership in a real redis-server that wants a password, in plaintext and over TLS. */
class SecureRedisTest {

  private static final Duration TIMEOUT = Duration.ofMillis(1500);
  private static final String PASSWORD = "redis-test-password-7f3a";
  private final List<AutoCloseable> opened = new ArrayList<>();
  @TempDir Path tmp;

  @AfterEach
  void closeAll() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
  }

  private RedisMembership member(String uri, RedisAuth auth, String id) {
    RedisMembership membership = RedisMembership.watch(
        new RedisMembership.Settings(uri, "secure", TIMEOUT, auth));
    opened.add(membership);
    if (id != null) {
      membership.join(new Member(id, "grpc+tls://127.0.0.1:" + (9000 + id.length()), 1));
    }
    return membership;
  }

  private static Set<String> ids(Membership membership) {
    return membership.view().members().stream().map(Member::id).collect(Collectors.toSet());
  }

  /** Watchers that know the password see the members; one without it never reaches Redis. */
  private void membersNeedThePassword(RedisProcess redis, RedisAuth auth, RedisAuth wrong)
      throws Exception {
    member(redis.uri(), auth, "a");
    member(redis.uri(), auth, "b");
    RedisMembership watcher = member(redis.uri(), auth, null);
    assertTrue(watcher.awaitView(Duration.ofSeconds(30)), "a first view within 30 s");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    // reachable is set at the end of the round that read the view: wait for both.
    while (!ids(watcher).equals(Set.of("a", "b")) || !watcher.reachable()) {
      assertTrue(System.nanoTime() < deadline, "both members within 30 s; saw " + ids(watcher));
      Thread.sleep(10);
    }

    RedisMembership refused = member(redis.uri(), wrong, null);
    assertFalse(refused.awaitView(TIMEOUT), "no view without the right credentials");
    assertFalse(refused.reachable());
    assertTrue(refused.view().isEmpty());
  }

  @Test
  void aPasswordProtectedRedisServesOnlyWatchersWithThePassword() throws Exception {
    RedisProcess redis = RedisProcess.startSecure(PASSWORD, null);
    opened.add(redis);
    membersNeedThePassword(redis, RedisAuth.of(PASSWORD.toCharArray(), null), RedisAuth.NONE);
  }

  @Test
  void aTlsRedisWithAPasswordServesWatchersThatTrustItsCa() throws Exception {
    TestCertificates certificates = TestCertificates.create(tmp.resolve("tls"));
    RedisProcess redis;
    try {
      redis = RedisProcess.startSecure(PASSWORD, certificates);
    } catch (RedisProcess.TlsUnsupported e) {
      Assumptions.abort("skipped: " + e.getMessage());
      return;
    }
    opened.add(redis);
    assertTrue(redis.uri().startsWith("rediss://"));
    // The wrong CA: the handshake fails, and the watcher keeps no view.
    membersNeedThePassword(redis, RedisAuth.of(PASSWORD.toCharArray(), certificates.ca()),
        RedisAuth.of(PASSWORD.toCharArray(), certificates.otherCa()));
  }

  @Test
  void aPasswordNeverShowsInUrisOrDescriptions() {
    assertEquals("redis://host:6379", RedisAuth.redact("redis://:hunter2@host:6379"));
    assertEquals("rediss://host:6380/0", RedisAuth.redact("rediss://user:hunter2@host:6380/0"));
    assertEquals("redis://host:6379", RedisAuth.redact("redis://host:6379"));
    // Not URIs Java parses, and an '@' that is part of a path, not of user info.
    assertEquals("redis://h:1/0 x", RedisAuth.redact("redis://:pw@h:1/0 x"));
    assertEquals("s3://bucket/a b@c.parquet", RedisAuth.redact("s3://bucket/a b@c.parquet"));
    assertEquals("s3://bucket/user@example.com/a.parquet",
        RedisAuth.redact("s3://bucket/user@example.com/a.parquet"));
    String shown = RedisAuth.of("hunter2".toCharArray(), null).toString();
    assertFalse(shown.contains("hunter2"), shown);
    assertTrue(shown.contains("password set"), shown);
  }
}
