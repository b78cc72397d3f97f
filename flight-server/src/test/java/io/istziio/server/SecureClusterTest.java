package io.istziio.server;

import io.istziio.client.ClientSecurity;
import io.istziio.ring.RedisAuth;
import io.istziio.ring.testing.RedisCluster;
import io.istziio.ring.testing.RedisProcess;
import io.istziio.ring.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * {@link ClusterTest} in secure mode: the nodes serve TLS and want a token on every call (and
 * call each other with their node token), the Redis they share wants a password and, when the
 * redis-server found can, serves TLS only; the Java client trusts the test CA and sends a
 * reader token. Every read, failover and Redis outage of ClusterTest must go as there.
 */
class SecureClusterTest extends ClusterTest {

  private static final String REDIS_PASSWORD = "cluster-redis-password-51c2";
  static final String READ_TOKEN = "read-token-0123456789abcdef";
  static final String NODE_TOKEN = "node-token-0123456789abcdef";

  private TestCertificates certificates;
  private Path tokens;
  private boolean redisTls;

  private TestCertificates certificates() throws Exception {
    if (certificates == null) {
      certificates = TestCertificates.create(tmp.resolve("tls"));
      tokens = Files.writeString(tmp.resolve("tokens"),
          "# the client's\n" + READ_TOKEN + "\n" + NODE_TOKEN + " node\n");
    }
    return certificates;
  }

  @Override
  RedisProcess startRedis() throws Exception {
    try {
      RedisProcess redis = RedisProcess.startSecure(REDIS_PASSWORD, certificates());
      redisTls = true;
      return redis;
    } catch (RedisProcess.TlsUnsupported e) {
      System.out.println("Redis in plaintext with a password: " + e.getMessage());
      return RedisProcess.startSecure(REDIS_PASSWORD, null);
    }
  }

  @Override
  RedisCluster startRedisCluster() {
    Assumptions.abort("skipped: the Redis Cluster test helper has no password or TLS; "
        + "ClusterTest runs it in plaintext");
    return null;
  }

  private RedisAuth redisAuth() throws Exception {
    return RedisAuth.of(REDIS_PASSWORD.toCharArray(), redisTls ? certificates().ca() : null);
  }

  @Override
  NodeConfig.Security nodeSecurity() throws Exception {
    TestCertificates files = certificates();
    return NodeConfig.Security.none().withTls(files.cert(), files.key()).withTokenFile(tokens)
        .withRedis(redisAuth());
  }

  /**
   * No crash here freezes a node, so the stall timeout only has to outlast a slow first read: the
   * first TLS handshakes of a cold JVM on a loaded 2-core machine once took past the default 5 s,
   * and the read moved on to a replica (the test then found the file served by a non-primary).
   */
  @Override
  java.time.Duration stallTimeout() {
    return java.time.Duration.ofSeconds(30);
  }

  @Override
  ClientSecurity clientSecurity() throws Exception {
    return ClientSecurity.none().withTrustedCertificates(certificates().ca()).withToken(READ_TOKEN)
        .withRedis(redisAuth());
  }
}
