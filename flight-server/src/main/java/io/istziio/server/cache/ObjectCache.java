package io.istziio.server.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.istziio.server.store.ObjectPath;
import io.istziio.server.store.ObjectStore;
import io.istziio.server.store.ObjectVersion;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BiConsumer;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Objects by path, read through the disk cache. The version (ETag) of a path is trusted for the
 * freshness interval after the store last confirmed it; after that the next request asks the store
 * again, and a changed object becomes a new entry. When the store cannot be reached, the last known
 * version keeps being served.
 */
public final class ObjectCache {

  private static final Logger LOG = LoggerFactory.getLogger(ObjectCache.class);

  private record Checked(ObjectVersion version, long atNanos) {}

  private final ObjectStore store;
  private final DiskCache disk;
  private final long freshnessNanos;
  private final BiConsumer<ObjectPath, Path> validator;
  private final Cache<String, Checked> versions =
      Caffeine.newBuilder().maximumSize(1_000_000).build();

  /**
   * @param validator checks a downloaded file before it is admitted, throwing a Flight error to
   *     refuse it
   */
  public ObjectCache(ObjectStore store, DiskCache disk, Duration freshness,
      BiConsumer<ObjectPath, Path> validator) {
    this.store = store;
    this.disk = disk;
    this.freshnessNanos = freshness.toNanos();
    this.validator = validator;
  }

  /** A local copy of the object at {@code path}; close the lease when done reading. */
  public Lease open(ObjectPath path) {
    ObjectVersion version = currentVersion(path);
    try {
      return acquire(path, version);
    } catch (FlightRuntimeException e) {
      if (e.status().code() != FlightStatusCode.UNAVAILABLE) {
        throw e;
      }
      // The object may have changed since its version was last confirmed; if so, read the new one.
      versions.invalidate(path.uri());
      ObjectVersion current = currentVersion(path);
      if (current.equals(version)) {
        throw e;
      }
      return acquire(path, current);
    }
  }

  private Lease acquire(ObjectPath path, ObjectVersion version) {
    CacheKey key = new CacheKey(path.uri(), version.etag());
    return disk.acquire(key, version.size(), target -> {
      store.download(path, version, target);
      validator.accept(path, target);
    });
  }

  /**
   * The version of {@code path} the store confirmed within the freshness interval, without asking
   * it; null when there is none, and the caller should go through {@link #open}.
   */
  public ObjectVersion knownVersion(ObjectPath path) {
    Checked last = versions.getIfPresent(path.uri());
    return last != null && System.nanoTime() - last.atNanos() < freshnessNanos ? last.version() : null;
  }

  private ObjectVersion currentVersion(ObjectPath path) {
    Checked last = versions.getIfPresent(path.uri());
    long now = System.nanoTime();
    if (last != null && now - last.atNanos() < freshnessNanos) {
      return last.version();
    }
    ObjectVersion current;
    try {
      current = store.stat(path);
    } catch (FlightRuntimeException e) {
      if (last != null && e.status().code() == FlightStatusCode.UNAVAILABLE) {
        // Trust it for another interval rather than make every request wait on a failing store.
        LOG.warn("serving the last known version of {}: {}", path, e.getMessage());
        versions.put(path.uri(), new Checked(last.version(), now));
        return last.version();
      }
      if (last != null && e.status().code() == FlightStatusCode.NOT_FOUND) {
        versions.invalidate(path.uri());
        disk.invalidate(new CacheKey(path.uri(), last.version().etag()));
      }
      throw e;
    }
    if (last != null && !last.version().etag().equals(current.etag())) {
      disk.invalidate(new CacheKey(path.uri(), last.version().etag()));
    }
    versions.put(path.uri(), new Checked(current, now));
    return current;
  }
}
