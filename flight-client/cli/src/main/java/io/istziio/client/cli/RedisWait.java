package io.istziio.client.cli;

import io.istziio.client.IstziioClient;
import java.io.PrintWriter;
import java.time.Duration;

/**
 * Waits, within a bound, for a client that follows Redis to hold a ring view read from Redis with
 * at least one node in it. Redis may not answer yet (a fresh JVM's first connection on a loaded
 * machine, a Sentinel failover in progress, a Redis starting after the command) or may answer
 * before any node has registered; either way the command waits and says once what it waits for,
 * instead of giving up after the first try.
 */
final class RedisWait {

  /** How often the client's view and reachability are looked at; the client reads Redis itself. */
  private static final long POLL_MILLIS = 50;

  private final IstziioClient client;
  private final String redis; // shown: no password
  private final String cluster;
  private final Duration bound;
  private final PrintWriter err;

  /**
   * @param redis the Redis URI as it may be shown (without its password)
   * @param bound how long to wait in all, from now, first try included
   * @param err where the waiting lines go (the command's standard error)
   */
  RedisWait(IstziioClient client, String redis, String cluster, Duration bound, PrintWriter err) {
    this.client = client;
    this.redis = redis;
    this.cluster = cluster;
    this.bound = bound;
    this.err = err;
  }

  /** What the wait ended with: a view with nodes, or why there is none. */
  enum Outcome { NODES, REDIS_SILENT, NO_NODES }

  /**
   * Waits until the client's view lists a node (read from Redis: a client that follows Redis has
   * no other source), or the bound has passed.
   *
   * @throws InterruptedException if the waiting thread is interrupted
   */
  Outcome await() throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    boolean toldSilent = false;
    boolean toldEmpty = false;
    while (client.view().isEmpty()) {
      // Before the first try has ended, reachable() is false only because nothing was asked yet.
      boolean tried = client.awaitFirstTry(Duration.ZERO);
      boolean reachable = client.ringReachable();
      if (System.nanoTime() >= deadline) {
        return reachable ? Outcome.NO_NODES : Outcome.REDIS_SILENT;
      }
      if (tried && !reachable && !toldSilent) {
        err.printf("istziio: Redis at %s does not answer yet; waiting up to %d s for it "
            + "(--redis-wait)%n", redis, bound.toSeconds());
        err.flush();
        toldSilent = true;
      } else if (tried && reachable && !toldEmpty) {
        err.printf("istziio: no nodes of cluster \"%s\" in Redis at %s yet; waiting up to %d s for "
            + "one to register (--redis-wait)%n", cluster, redis, bound.toSeconds());
        err.flush();
        toldEmpty = true;
      }
      Thread.sleep(POLL_MILLIS);
    }
    return Outcome.NODES;
  }
}
