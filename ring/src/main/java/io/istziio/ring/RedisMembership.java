package io.istziio.ring;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.BaseRedisCommands;
import io.lettuce.core.api.sync.RedisHashCommands;
import io.lettuce.core.api.sync.RedisKeyCommands;
import io.lettuce.core.api.sync.RedisStringCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster membership kept in Redis (standalone, Sentinel-fronted or Redis Cluster: every key of a
 * cluster shares one hash tag, so they live in one slot).
 *
 * <pre>
 * istziio:{cluster}:members      hash   member id -> {"id", "location", "weight"}
 * istziio:{cluster}:alive:&lt;id&gt;   string with a TTL of the liveness timeout, renewed by the member
 * istziio:{cluster}:epoch        counter, incremented on every change of the member set
 * istziio:{cluster}:changes      pub/sub channel, told of every change
 * </pre>
 *
 * A member {@link #join joins} by writing its entry and its liveness key, and renews the key three
 * times per timeout. Every watcher (node or client) reads the members whose liveness key exists, on
 * every change message and, as a fallback, every third of the timeout; a watcher that finds a
 * member's key expired removes the member and announces the change. Redis is off the data path:
 * while it cannot be reached, the last view stays in force; the outage is logged once, and on
 * return members re-register and the view catches up.
 */
public final class RedisMembership implements Membership {

  private static final Logger LOG = LoggerFactory.getLogger(RedisMembership.class);
  /** Lenient: a member entry written by a newer version may carry fields this one does not know. */
  private static final ObjectMapper JSON = new ObjectMapper()
      .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /**
   * @param uri where Redis is, e.g. {@code redis://127.0.0.1:6379}; a node of a Redis Cluster
   *     will do, the cluster is detected
   * @param cluster the istziio cluster's name: several clusters can share one Redis
   * @param livenessTimeout how long a member that stops renewing stays in the ring
   * @param auth the password and the CA bundle for {@code rediss://} ({@link RedisAuth#NONE}:
   *     neither)
   */
  public record Settings(String uri, String cluster, Duration livenessTimeout, RedisAuth auth) {
    public Settings {
      if (cluster == null || cluster.isBlank() || cluster.contains("{") || cluster.contains("}")) {
        throw new IllegalArgumentException("cluster name must be non-blank and without braces: " + cluster);
      }
      auth = auth == null ? RedisAuth.NONE : auth;
    }

    /** Settings for a Redis that needs no password and, if TLS, has a certificate the JVM trusts. */
    public Settings(String uri, String cluster, Duration livenessTimeout) {
      this(uri, cluster, livenessTimeout, RedisAuth.NONE);
    }

    /** The URI without any password it may hold, for logs. */
    String shown() {
      return RedisAuth.redact(uri);
    }

    /** Without the URI's password. */
    @Override
    public String toString() {
      return "Settings[uri=" + shown() + ", cluster=" + cluster + ", livenessTimeout="
          + livenessTimeout + ", auth=" + auth + "]";
    }
  }

  private final Settings settings;
  private final String membersKey;
  private final String epochKey;
  private final String channel;
  private final String alivePrefix;
  private final ScheduledExecutorService scheduler;
  private final List<Consumer<RingView>> listeners = new CopyOnWriteArrayList<>();

  private AbstractRedisClient client; // all below: only touched on the scheduler thread
  private StatefulConnection<String, String> connection;
  private StatefulRedisPubSubConnection<String, String> pubSub;
  private RedisHashCommands<String, String> hashes;
  private RedisStringCommands<String, String> strings;
  private RedisKeyCommands<String, String> keys;
  private BaseRedisCommands<String, String> base;
  private volatile Member self;
  private volatile RingView view = RingView.empty();
  private volatile boolean reachable;
  private boolean outageLogged;
  private long graceUntil; // nanoTime before which a refreshed view may only grow
  /** Opened by the first refresh that read the members from Redis. */
  private final java.util.concurrent.CountDownLatch firstView = new java.util.concurrent.CountDownLatch(1);
  private final java.util.concurrent.CountDownLatch firstTry = new java.util.concurrent.CountDownLatch(1);

  private RedisMembership(Settings settings) {
    this.settings = settings;
    String prefix = "istziio:{" + settings.cluster() + "}:";
    this.membersKey = prefix + "members";
    this.epochKey = prefix + "epoch";
    this.channel = prefix + "changes";
    this.alivePrefix = prefix + "alive:";
    this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "istziio-membership-" + settings.cluster());
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * Starts watching the cluster's members. Returns at once; if Redis cannot be reached yet, the
   * view stays empty (or as {@link #join} sets it) until it can.
   */
  public static RedisMembership watch(Settings settings) {
    RedisMembership membership = new RedisMembership(settings);
    long period = Math.max(100, settings.livenessTimeout().toMillis() / 3);
    membership.scheduler.scheduleWithFixedDelay(membership::tick, 0, period, TimeUnit.MILLISECONDS);
    return membership;
  }

  /** Makes {@code member} part of the ring until {@link #close()}; the view includes it at once. */
  public void join(Member member) {
    self = member;
    view = RingView.of(view.epoch(), merged(view.members(), member));
    scheduler.execute(this::tick);
  }

  private static List<Member> merged(List<Member> members, Member member) {
    List<Member> result = new ArrayList<>(members);
    result.removeIf(m -> m.id().equals(member.id()));
    result.add(member);
    return result;
  }

  @Override
  public RingView view() {
    return view;
  }

  @Override
  public void onChange(Consumer<RingView> listener) {
    listeners.add(listener);
  }

  @Override
  public String source() {
    return "redis";
  }

  @Override
  public boolean reachable() {
    return reachable;
  }

  /** One round: connect if needed, renew our entry, read the live members. */
  private void tick() {
    // Read before this round's refresh: whether a view from Redis is what a grace would protect.
    boolean hadView = firstView.getCount() == 0;
    try {
      if (connection == null) {
        connect();
      }
      if (self != null) {
        renew(self);
      }
      refresh();
      if (!reachable && outageLogged) {
        LOG.info("Redis at {} is reachable again; ring view at epoch {}", settings.shown(), view.epoch());
      }
      if (!reachable && hadView) {
        // Back after an outage: Redis may have lost members that are re-registering. A first
        // connection has no earlier view to keep, and a grace would hide clean leaves from it.
        graceUntil = System.nanoTime() + settings.livenessTimeout().toNanos();
      }
      reachable = true;
      outageLogged = false;
    } catch (Throwable e) { // anything: an escaping error would end the schedule, and the renewals
      reachable = false;
      if (!outageLogged) {
        LOG.warn("Redis at {} cannot be reached ({}); keeping the ring view of epoch {} with {} "
            + "members until it returns", settings.shown(), e.getMessage(), view.epoch(), view.members().size());
        outageLogged = true;
      }
    } finally {
      firstTry.countDown();
    }
  }

  /** Connects everything or nothing: a half-made connection would leak a client per retry. */
  private void connect() {
    RedisURI uri = settings.auth().apply(settings.uri());
    uri.setTimeout(Duration.ofSeconds(1));
    io.lettuce.core.SslOptions ssl = settings.auth().sslOptions();
    AbstractRedisClient made = null;
    StatefulConnection<String, String> madeConnection = null;
    StatefulRedisPubSubConnection<String, String> madePubSub = null;
    try {
      RedisClient probe = RedisClient.create(uri);
      made = probe;
      ClientOptions.Builder options = ClientOptions.builder()
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
      probe.setOptions((ssl != null ? options.sslOptions(ssl) : options).build());
      StatefulRedisConnection<String, String> standalone = probe.connect();
      madeConnection = standalone;
      if (standalone.sync().info("cluster").contains("cluster_enabled:1")) {
        standalone.close();
        probe.shutdown(Duration.ZERO, Duration.ZERO);
        RedisClusterClient cluster = RedisClusterClient.create(uri);
        made = cluster;
        ClusterClientOptions.Builder clusterOptions = ClusterClientOptions.builder()
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
        cluster.setOptions((ssl != null ? clusterOptions.sslOptions(ssl) : clusterOptions).build());
        StatefulRedisClusterConnection<String, String> clustered = cluster.connect();
        madeConnection = clustered;
        use(clustered.sync(), clustered.sync(), clustered.sync(), clustered.sync());
        madePubSub = cluster.connectPubSub();
      } else {
        use(standalone.sync(), standalone.sync(), standalone.sync(), standalone.sync());
        madePubSub = probe.connectPubSub();
      }
      madePubSub.addListener(new RedisPubSubAdapter<>() {
        @Override
        public void message(String from, String message) {
          try {
            scheduler.execute(RedisMembership.this::tick);
          } catch (RejectedExecutionException closing) {
            // a message that arrives while closing needs no refresh
          }
        }
      });
      madePubSub.sync().subscribe(channel);
    } catch (RuntimeException e) {
      if (madePubSub != null) {
        madePubSub.close();
      }
      if (madeConnection != null) {
        madeConnection.close();
      }
      if (made != null) {
        made.shutdown(Duration.ZERO, Duration.ZERO);
      }
      throw e;
    }
    client = made;
    connection = madeConnection;
    pubSub = madePubSub;
  }

  private void use(RedisHashCommands<String, String> hashes, RedisStringCommands<String, String> strings,
      RedisKeyCommands<String, String> keys, BaseRedisCommands<String, String> base) {
    this.hashes = hashes;
    this.strings = strings;
    this.keys = keys;
    this.base = base;
  }

  private void renew(Member member) {
    strings.set(alivePrefix + member.id(), "1",
        SetArgs.Builder.px(settings.livenessTimeout().toMillis()));
    String entry = toJson(member);
    // (Re-)register if the entry is missing or different: after a Redis restart, after being
    // dropped during a pause, or on first join.
    if (!entry.equals(hashes.hget(membersKey, member.id()))) {
      hashes.hset(membersKey, member.id(), entry);
      announce();
    }
  }

  private void refresh() {
    Map<String, String> entries = hashes.hgetall(membersKey);
    List<String> ids = new ArrayList<>(entries.keySet());
    Set<String> alive = new HashSet<>();
    if (!ids.isEmpty()) {
      String[] aliveKeys = ids.stream().map(id -> alivePrefix + id).toArray(String[]::new);
      List<KeyValue<String, String>> values = strings.mget(aliveKeys);
      for (KeyValue<String, String> value : values) {
        if (value.hasValue()) {
          alive.add(value.getKey().substring(alivePrefix.length()));
        }
      }
    }
    List<Member> members = new ArrayList<>();
    for (String id : ids) {
      if (alive.contains(id)) {
        Member member = fromJson(entries.get(id));
        if (member != null) {
          members.add(member);
        }
      } else if (hashes.hdel(membersKey, id) == 1) { // whoever removes it announces it
        LOG.info("member {} stopped renewing; removed from the ring", id);
        announce();
      }
    }
    String epochText = strings.get(epochKey);
    long epoch = epochText == null ? 0 : Long.parseLong(epochText);
    RingView current = view;
    if (epoch < current.epoch()) {
      // Redis restarted without its data (or lost it): its counter starts over and members are
      // re-registering. Carry the counter past this view's, so that epochs only grow for every
      // node and client, and keep this view's members for a liveness period meanwhile.
      epoch = strings.incrby(epochKey, current.epoch() - epoch + 1);
      graceUntil = System.nanoTime() + settings.livenessTimeout().toNanos();
      LOG.info("Redis at {} lost the ring (epoch {} < {}); keeping the members of the last view "
          + "while they re-register", settings.shown(), epochText, current.epoch());
    }
    Member joined = self;
    if (joined != null && members.stream().noneMatch(m -> m.id().equals(joined.id()))) {
      members.add(joined); // renewed a moment ago; another watcher's removal is already undone
    }
    if (System.nanoTime() < graceUntil && !members.containsAll(current.members())) {
      // Just reconnected (perhaps to a Redis that lost its data): members are re-registering.
      // Until they have had a liveness period to do so, add members but do not drop any.
      for (Member member : current.members()) {
        if (!members.contains(member)) {
          members.add(member);
        }
      }
    }
    if (epoch != current.epoch() || !new HashSet<>(members).equals(new HashSet<>(current.members()))) {
      RingView next = RingView.of(epoch, members);
      view = next;
      LOG.info("ring view epoch {}: {}", epoch, members.stream().map(Member::id).toList());
      for (Consumer<RingView> listener : listeners) {
        try {
          listener.accept(next);
        } catch (RuntimeException e) {
          LOG.warn("a ring listener failed on epoch {}: {}", epoch, e.toString());
        }
      }
    }
    firstView.countDown();
  }

  @Override
  public boolean awaitView(Duration timeout) throws InterruptedException {
    return firstView.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public boolean awaitFirstTry(Duration timeout) throws InterruptedException {
    return firstTry.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void announce() {
    strings.incr(epochKey);
    base.publish(channel, "changed");
  }

  /**
   * Leaves the ring (removes this member's entry and announces it) and stops watching. Without
   * {@code leave} the entry stays until its liveness key expires, as after a crash.
   */
  public void close(boolean leave) {
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (leave && self != null) {
      // While the node drains, its own answers (the ring action, GetFlightInfo) leave it out.
      Member leaving = self;
      view = RingView.of(view.epoch() + 1,
          view.members().stream().filter(m -> !m.id().equals(leaving.id())).toList());
    }
    if (leave && self != null && connection != null) {
      try {
        keys.del(alivePrefix + self.id());
        if (hashes.hdel(membersKey, self.id()) == 1) {
          announce();
        }
      } catch (RuntimeException e) {
        LOG.warn("could not leave the ring in Redis ({}); the entry expires in {}", e.getMessage(),
            settings.livenessTimeout());
      }
    }
    if (pubSub != null) {
      pubSub.close();
    }
    if (connection != null) {
      connection.close();
    }
    if (client != null) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  @Override
  public void close() {
    close(true);
  }

  private static String toJson(Member member) {
    try {
      return JSON.writeValueAsString(member);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The member an entry describes, or null (logged) if it cannot be read: skip it, keep the rest. */
  private static Member fromJson(String json) {
    try {
      return JSON.readValue(json, Member.class);
    } catch (IOException | RuntimeException e) {
      LOG.warn("ignoring a member entry in Redis that cannot be read: {} ({})", json, e.getMessage());
      return null;
    }
  }
}
