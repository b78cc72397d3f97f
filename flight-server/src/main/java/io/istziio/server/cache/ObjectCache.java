package io.istziio.server.cache;

import com.github.benmanes.caffeine.cache.CacheLoader;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.istziio.server.Errors;
import io.istziio.server.store.ObjectContent;
import io.istziio.server.store.ObjectPath;
import io.istziio.server.store.ObjectStore;
import io.istziio.server.store.ObjectTail;
import io.istziio.server.store.ObjectVersion;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Objects by path, read through the disk cache, kept fresh by stale-while-revalidate.
 *
 * <ul>
 *   <li>For the freshness interval after the store last answered for a path, its known version
 *       (ETag) is served with no store call.
 *   <li>After that it is still served at once, and the read starts one background revalidation
 *       (a HEAD) per path, however many reads arrive meanwhile. A new ETag drops the old version's
 *       cached copy, so later reads get the new one; NOT_FOUND drops the path, so later reads get
 *       NOT_FOUND; a store that cannot answer leaves the known version served for another
 *       interval, with one warning.
 *   <li>Only a read of a path with no known version waits on the store: its miss is one GET, whose
 *       answer is the version. A GET's answer is also the newest word on the path's version.
 *   <li>Freshness zero: every read confirms the known version with the store (a HEAD) before it is
 *       served.
 *   <li>After a restart, the versions left in the disk cache count as known but stale.
 * </ul>
 */
public final class ObjectCache {

  private static final Logger LOG = LoggerFactory.getLogger(ObjectCache.class);
  /** Older than any answer of this run: what a restart left on disk. */
  private static final long LONG_AGO = 1L << 62;

  /** A version and when the store was asked for it (System.nanoTime): a later question wins. */
  private record Checked(ObjectVersion version, long askedAt) {}

  private final ObjectStore store;
  private final DiskCache disk;
  private final long freshnessNanos;
  private final Executor revalidator;
  private final BiConsumer<ObjectPath, Path> validator;
  // Path -> the version last confirmed. Caffeine's refreshAfterWrite runs at most one reload
  // (revalidation) per path at a time, and drops a reload's result if the entry was written
  // meanwhile; GETs write through record(), where an earlier-asked answer never replaces a later
  // one. Reads never lock.
  private final LoadingCache<ObjectPath, Checked> versions;
  private final Consumer<CacheKey> dropped;

  /**
   * @param revalidator runs the background revalidations (bounded: one per stale path at most)
   * @param validator checks a downloaded file before it is admitted, throwing a Flight error to
   *     refuse it
   * @param dropped told of each version found outdated or gone, after the disk tier dropped it,
   *     so that other tiers drop it too
   */
  public ObjectCache(ObjectStore store, DiskCache disk, Duration freshness, Executor revalidator,
      BiConsumer<ObjectPath, Path> validator, Consumer<CacheKey> dropped) {
    this.dropped = dropped;
    this.store = store;
    this.disk = disk;
    this.freshnessNanos = freshness.toNanos();
    this.revalidator = revalidator;
    this.validator = validator;
    Caffeine<Object, Object> builder = Caffeine.newBuilder().maximumSize(1_000_000);
    if (freshnessNanos > 0) {
      builder.refreshAfterWrite(freshness); // zero: confirmed synchronously in versionToServe
    }
    this.versions = builder.build(new CacheLoader<ObjectPath, Checked>() {
      @Override
      public Checked load(ObjectPath path) {
        return null; // never loaded: an unknown path's first read is a GET (open)
      }

      @Override
      public CompletableFuture<Checked> asyncReload(ObjectPath path, Checked old, Executor ignored) {
        return CompletableFuture.supplyAsync(() -> {
          try {
            return revalidate(path, old);
          } catch (FlightRuntimeException gone) {
            return null; // NOT_FOUND: Caffeine drops the entry
          }
        }, revalidator);
      }
    });
  }

  /** Whether every read confirms its version with the store first (freshness zero). */
  public boolean confirmsEveryRead() {
    return freshnessNanos == 0;
  }

  private void drop(CacheKey key) {
    disk.invalidate(key);
    dropped.accept(key);
  }

  /** A local copy of the object at {@code path}; close the lease when done reading. */
  public Lease open(ObjectPath path) {
    String etag = versionToServe(path).map(ObjectVersion::etag).orElse(null);
    return disk.acquire(path.uri(), etag, () -> fetch(path));
  }

  /**
   * A local copy of version {@code pinned} of the object at {@code path}: the cached copy if there
   * is one, else the store's current version if that is the pinned one. Close the lease when done.
   *
   * @param pinned an ETag; null for the version {@link #open(ObjectPath)} serves
   * @throws org.apache.arrow.flight.FlightRuntimeException NOT_FOUND marked as the version's when
   *     the store has another version now (S3 serves only the current one)
   */
  public Lease open(ObjectPath path, String pinned) {
    if (pinned == null) {
      return open(path);
    }
    Lease lease = disk.acquire(path.uri(), pinned, () -> fetch(path));
    String served = lease.key().etag();
    if (!served.equals(pinned)) {
      lease.close();
      throw changed(path, pinned, served);
    }
    return lease;
  }

  /** The answer to a read pinned to version {@code pinned} when the store holds {@code served}. */
  public static org.apache.arrow.flight.FlightRuntimeException changed(ObjectPath path,
      String pinned, String served) {
    return Errors.versionGone("%s changed during the read: it began on version %s, S3 now holds "
        + "%s; read it again from the start", path, pinned, served);
  }

  /**
   * A lease on the disk tier's copy of the version a read of {@code path} serves now ({@link
   * #versionToServe}), or of {@code pinned}; null when the tier holds none. Never a download: a
   * hit is counted as {@link #open}'s, a miss not at all.
   *
   * @param pinned an ETag; null for the version {@link #versionToServe} gives
   */
  public Lease openCached(ObjectPath path, String pinned) {
    String etag = pinned != null ? pinned
        : versionToServe(path).map(ObjectVersion::etag).orElse(null);
    return etag == null ? null : disk.acquireIfCached(new CacheKey(path.uri(), etag));
  }

  /**
   * The last {@code length} bytes of the object (see {@link ObjectStore#tail}); the version they
   * come with is recorded as a GET's is (the newest word on the path), and NOT_FOUND forgets the
   * path, as a miss's GET does.
   */
  public Optional<ObjectTail> tail(ObjectPath path, int length) {
    long askedAt = System.nanoTime();
    Optional<ObjectTail> tail;
    try {
      tail = store.tail(path, length);
    } catch (FlightRuntimeException e) {
      if (e.status().code() == FlightStatusCode.NOT_FOUND) {
        forget(path, askedAt);
      }
      throw e;
    }
    tail.ifPresent(t -> record(path, new Checked(t.version(), askedAt)));
    return tail;
  }

  /** Part of one version of the object: see {@link ObjectStore#range}. */
  public byte[] range(ObjectPath path, ObjectVersion version, long offset, int length) {
    return store.range(path, version, offset, length);
  }

  /**
   * Starts the download of the object's current version into the disk tier, or joins the one
   * under way, and returns at once (see {@link DiskCache#prefetch}): the read that follows joins
   * it or hits. The download is a miss's: one GET, its version recorded, the file checked before
   * it is admitted.
   */
  public void prefetch(ObjectPath path) {
    disk.prefetch(path.uri(), () -> fetch(path));
  }

  /**
   * The version of {@code path} this node knows, without any store call and without starting a
   * revalidation; empty when it knows none.
   */
  public Optional<ObjectVersion> knownVersion(ObjectPath path) {
    return Optional.ofNullable(versions.policy().getIfPresentQuietly(path)).map(Checked::version);
  }

  /**
   * The version a read of {@code path} should serve now: the known one, starting its background
   * revalidation if it is older than the freshness interval (with freshness zero: confirmed with
   * the store first). Empty when no version is known: only then must the read wait on the store,
   * through {@link #open}. Throws NOT_FOUND when a synchronous confirmation finds the object gone.
   */
  public Optional<ObjectVersion> versionToServe(ObjectPath path) {
    Checked known = versions.getIfPresent(path); // starts the refresh when stale
    if (known == null) {
      known = restore(path);
    }
    if (known != null && freshnessNanos == 0) {
      known = confirm(path, known);
    }
    return Optional.ofNullable(known).map(Checked::version);
  }

  /** What a previous run left in the disk cache: served at once and revalidated in the background. */
  private Checked restore(ObjectPath path) {
    Optional<ObjectVersion> left = disk.takeRestored(path.uri());
    if (left.isEmpty()) {
      return null;
    }
    Checked seeded = new Checked(left.get(), System.nanoTime() - LONG_AGO);
    Checked current = versions.asMap().putIfAbsent(path, seeded);
    if (current != null) {
      return current;
    }
    if (freshnessNanos > 0) {
      versions.refresh(path); // coalesced with any refresh of the path already under way
    }
    return seeded;
  }

  /** Freshness zero: asks the store before serving. */
  private Checked confirm(ObjectPath path, Checked known) {
    try {
      return record(path, revalidate(path, known));
    } catch (FlightRuntimeException gone) {
      versions.asMap().remove(path, known);
      throw gone;
    }
  }

  /**
   * Asks the store (HEAD) whether {@code known} is still current and drops the cached copy of a
   * version that is not. Returns the store's answer, or the known version (with a warning) when the
   * store cannot answer; throws NOT_FOUND when the object is gone.
   */
  private Checked revalidate(ObjectPath path, Checked known) {
    long askedAt = System.nanoTime();
    ObjectVersion current;
    try {
      current = store.stat(path);
    } catch (FlightRuntimeException e) {
      if (e.status().code() == FlightStatusCode.NOT_FOUND) {
        drop(key(path, known.version()));
        throw e;
      }
      // The store logged the failure and its cause (one WARN); this says what the cache does.
      LOG.info("cannot revalidate {} ({}); serving its known version {} for another {} ms", path,
          e.status().code(), known.version().etag(), freshnessNanos / 1_000_000);
      // A new instance: Caffeine counts the next interval from now.
      return new Checked(known.version(), known.askedAt());
    }
    if (!current.etag().equals(known.version().etag())) {
      drop(key(path, known.version()));
    }
    return new Checked(current, askedAt);
  }

  /** A miss: one GET on the miss executor, whose answer also updates the path's version. */
  private ObjectContent fetch(ObjectPath path) {
    long askedAt = System.nanoTime();
    ObjectContent content;
    try {
      content = store.open(path);
    } catch (FlightRuntimeException e) {
      if (e.status().code() == FlightStatusCode.NOT_FOUND) {
        forget(path, askedAt);
      }
      throw e;
    }
    record(path, new Checked(content.version(), askedAt));
    return new ObjectContent() {
      @Override
      public ObjectVersion version() {
        return content.version();
      }

      @Override
      public void transferTo(Path target) {
        content.transferTo(target);
        validator.accept(path, target);
      }

      @Override
      public boolean fromPeer() {
        return content.fromPeer();
      }

      @Override
      public void close() {
        content.close();
      }
    };
  }

  /**
   * Records the store's answer unless one asked later is recorded already, and drops the cached
   * copy of the version it replaces. Returns what is recorded.
   */
  private Checked record(ObjectPath path, Checked answer) {
    Checked[] replaced = {null};
    Checked recorded = versions.asMap().compute(path, (p, current) -> {
      if (current != null && current.askedAt() - answer.askedAt() > 0) {
        return current;
      }
      replaced[0] = current;
      return answer;
    });
    if (replaced[0] != null && !replaced[0].version().etag().equals(answer.version().etag())) {
      drop(key(path, replaced[0].version()));
    }
    return recorded;
  }

  /** The object is gone: forgets its version unless a later answer is recorded. */
  private void forget(ObjectPath path, long askedAt) {
    Checked[] removed = {null};
    versions.asMap().computeIfPresent(path, (p, current) -> {
      if (current.askedAt() - askedAt > 0) {
        return current;
      }
      removed[0] = current;
      return null;
    });
    if (removed[0] != null) {
      drop(key(path, removed[0].version()));
    }
  }

  private static CacheKey key(ObjectPath path, ObjectVersion version) {
    return new CacheKey(path.uri(), version.etag());
  }
}
