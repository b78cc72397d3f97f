package io.istziio.server.handoff;

import io.istziio.client.FlightClientPool;
import io.istziio.ring.Member;
import io.istziio.server.Errors;
import io.istziio.server.store.ListedObject;
import io.istziio.server.store.ObjectContent;
import io.istziio.server.store.ObjectPath;
import io.istziio.server.store.ObjectStore;
import io.istziio.server.store.ObjectVersion;
import io.istziio.server.store.StorePrefix;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store a node's cache reads through, with the warm hand-off in front of S3: a miss first
 * asks the peers that may hold the object ({@link PeerCandidates}) for their copy, and takes the
 * first whose ETag is the one S3 reports now (one HEAD, asked only once a peer offers a copy);
 * else, or when every peer fails, refuses or stays silent past the timeout, it reads S3 as before. A
 * copy that breaks off midway is finished from S3 (if S3 still holds that version). A peer that
 * failed is left out for ten seconds, so that a frozen one delays one miss, not
 * every miss. HEADs and listings go to the store.
 *
 * <p>The caller (the disk cache) runs one download per object on its miss executor, so the peers
 * are asked once per miss, never on the hit path.
 */
public final class PeerFillStore implements ObjectStore {

  private static final Logger LOG = LoggerFactory.getLogger(PeerFillStore.class);
  /** How long a peer that failed (down, silent, broken off) is not asked again. */
  static final long BENCH_NANOS = 10_000_000_000L;

  private final ObjectStore store;
  private final PeerCandidates candidates;
  private final FlightClientPool peers;
  private final Duration silence;
  private final LongAdder fills = new LongAdder();
  private final LongAdder fillBytes = new LongAdder();
  private final LongAdder staleCopies = new LongAdder();
  private final LongAdder peerFailures = new LongAdder();
  // Peer id -> System.nanoTime() until which it is not asked: a frozen peer would otherwise cost
  // every miss the silence timeout. Entries are replaced, never removed: one per member at most.
  private final Map<String, Long> benched = new ConcurrentHashMap<>();
  /** Whether a peer's refusal of this node's token was logged (once per node). */
  private final AtomicBoolean refusalLogged = new AtomicBoolean();

  /**
   * @param silence the most a peer may keep this node waiting, for its first answer or for any
   *     chunk after, before the miss reads S3; zero turns the hand-off off
   */
  public PeerFillStore(ObjectStore store, PeerCandidates candidates, FlightClientPool peers,
      Duration silence) {
    this.store = store;
    this.candidates = candidates;
    this.peers = peers;
    this.silence = silence;
  }

  @Override
  public ObjectVersion stat(ObjectPath path) {
    return store.stat(path);
  }

  /** A footer's bytes come from the store: a peer sends whole copies only. */
  @Override
  public java.util.Optional<io.istziio.server.store.ObjectTail> tail(ObjectPath path, int length) {
    return store.tail(path, length);
  }

  @Override
  public byte[] range(ObjectPath path, ObjectVersion version, long offset, int length) {
    return store.range(path, version, offset, length);
  }

  @Override
  public List<ListedObject> list(StorePrefix prefix, Predicate<String> keep, int limit) {
    return store.list(prefix, keep, limit);
  }

  @Override
  public ObjectContent open(ObjectPath path) {
    if (silence.isZero() || !ObjectPath.S3.equals(path.scheme())) {
      return store.open(path); // a local file is each node's own
    }
    List<Member> holders = candidates.of(path.uri());
    ObjectVersion current = null;
    for (Member peer : holders) {
      if (isBenched(peer)) {
        continue;
      }
      Asked asked = ask(peer, path);
      if (asked == null) {
        continue;
      }
      FlightStream stream = asked.stream();
      try {
        if (current == null) {
          current = store.stat(path); // NOT_FOUND: the object is gone, whoever holds a copy
        }
        Schema schema = stream.getSchema();
        if (current.etag().equals(schema.getCustomMetadata().get(PeerObjectStream.ETAG))
            && Long.toString(current.size()).equals(
                schema.getCustomMetadata().get(PeerObjectStream.SIZE))) {
          return new PeerCopy(path, peer, current, asked, this);
        }
        staleCopies.increment();
        LOG.debug("peer {} holds another version of {} than S3's {}", peer.id(), path,
            current.etag());
      } catch (FlightRuntimeException e) {
        asked.close();
        if (e.status().code() == FlightStatusCode.NOT_FOUND) {
          throw e;
        }
        LOG.debug("cannot check {}'s version for a hand-off ({}); reading S3", path,
            e.status().code());
        return store.open(path);
      }
      asked.close();
    }
    return store.open(path);
  }

  /** A peer's stream that has answered with its schema, and the watch on its silences. */
  record Asked(FlightStream stream, SilenceWatch watch) implements AutoCloseable {
    @Override
    public void close() {
      watch.close();
      PeerFillStore.close(stream);
    }
  }

  /**
   * Starts reading {@code peer}'s copy of {@code path} and waits for its schema (its version):
   * null when the peer holds none, fails, refuses or does not answer within the silence timeout.
   */
  private Asked ask(Member peer, ObjectPath path) {
    FlightStream stream = null;
    SilenceWatch watch = null;
    try {
      stream = peers.get(new Location(URI.create(peer.location())))
          .getStream(new Ticket(PeerTicket.of(path.uri())));
      watch = new SilenceWatch(stream, silence);
      stream.getSchema(); // the holder's first answer: its schema, or its refusal
      watch.heard();
      return new Asked(stream, watch);
    } catch (FlightRuntimeException e) {
      if (watch != null) {
        watch.close();
      }
      close(stream);
      FlightStatusCode code = e.status().code();
      if (code == FlightStatusCode.NOT_FOUND) {
        return null; // holds no copy: the usual answer
      }
      failed(peer);
      if (code == FlightStatusCode.UNAUTHENTICATED || code == FlightStatusCode.UNAUTHORIZED) {
        if (refusalLogged.compareAndSet(false, true)) {
          LOG.warn("peer {} refused this node's hand-off call ({}); nodes need a node or admin "
              + "token that their peers' --token-file holds. Reading S3 instead (logged once)",
              peer.id(), code);
        }
      } else {
        if (code == FlightStatusCode.UNAVAILABLE) {
          peers.evict(peer.location());
        }
        LOG.info("peer {} did not hand off {} ({}: {}); trying the next, then S3", peer.id(),
            path, code, watch != null && watch.fired()
                ? "no answer within " + silence.toMillis() + " ms" : Errors.firstLine(e));
      }
      return null;
    } catch (RuntimeException e) {
      if (watch != null) {
        watch.close();
      }
      close(stream);
      failed(peer);
      LOG.info("peer {} did not hand off {} ({}); trying the next, then S3", peer.id(), path,
          Errors.firstLine(e));
      return null;
    }
  }

  static void close(FlightStream stream) {
    if (stream == null) {
      return;
    }
    try {
      stream.cancel("not needed", null);
    } catch (RuntimeException ignored) {
      // ended already
    }
    try {
      stream.close();
    } catch (Exception ignored) {
      // a cancelled stream ends with CANCELLED: nothing to report
    }
  }

  /** Objects filled from a peer's copy. */
  public long fills() {
    return fills.sum();
  }

  /** Bytes of the objects filled from peers. */
  public long fillBytes() {
    return fillBytes.sum();
  }

  /** Peer copies refused because their version was not S3's current one. */
  public long staleCopies() {
    return staleCopies.sum();
  }

  /** Peers that failed, refused or fell silent past the timeout when asked (or while sending). */
  public long peerFailures() {
    return peerFailures.sum();
  }

  void filled(long bytes) {
    fills.increment();
    fillBytes.add(bytes);
  }

  /** Counts a peer's failure and leaves it out of the next misses for a while. */
  void failed(Member peer) {
    peerFailures.increment();
    benched.put(peer.id(), System.nanoTime() + BENCH_NANOS);
  }

  private boolean isBenched(Member peer) {
    Long until = benched.get(peer.id());
    return until != null && until - System.nanoTime() > 0;
  }

  ObjectStore store() {
    return store;
  }

  /** The node closes the store it wraps. */
  @Override
  public void close() {}
}
