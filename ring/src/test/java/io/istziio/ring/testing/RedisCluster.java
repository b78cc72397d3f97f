package io.istziio.ring.testing;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A Redis Cluster of real redis-server processes, masters only, formed the way redis-cli does it:
 * slots split evenly, then every node meets the first, then wait for cluster_state:ok.
 */
public final class RedisCluster implements AutoCloseable {

  private final List<RedisProcess> nodes = new ArrayList<>();

  public static RedisCluster start(int masters) throws Exception {
    RedisCluster cluster = new RedisCluster();
    for (int i = 0; i < masters; i++) {
      cluster.nodes.add(RedisProcess.start(true));
    }
    cluster.form();
    return cluster;
  }

  private void form() throws InterruptedException {
    int slots = 16384;
    for (int i = 0; i < nodes.size(); i++) {
      int first = i * slots / nodes.size();
      int last = (i + 1) * slots / nodes.size() - 1;
      int[] range = IntStream.rangeClosed(first, last).toArray();
      try (RedisClient client = RedisClient.create(nodes.get(i).uri());
          StatefulRedisConnection<String, String> connection = client.connect()) {
        RedisCommands<String, String> redis = connection.sync();
        redis.clusterAddSlots(range);
        if (i > 0) {
          redis.clusterMeet("127.0.0.1", nodes.get(0).port());
        }
      }
    }
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (nodes.stream().allMatch(RedisCluster::ok)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the Redis Cluster did not reach cluster_state:ok in 20 s");
  }

  private static boolean ok(RedisProcess node) {
    try (RedisClient client = RedisClient.create(node.uri());
        StatefulRedisConnection<String, String> connection = client.connect()) {
      String info = connection.sync().clusterInfo();
      return info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:");
    }
  }

  /** A URI of one of the nodes; clients discover the rest. */
  public String uri() {
    return nodes.get(0).uri();
  }

  @Override
  public void close() throws InterruptedException {
    for (RedisProcess node : nodes) {
      node.close();
    }
  }

}
