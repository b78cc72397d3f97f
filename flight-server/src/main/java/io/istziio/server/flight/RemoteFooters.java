package io.istziio.server.flight;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.istziio.client.protocol.Failures;
import io.istziio.server.Errors;
import io.istziio.server.cache.CacheKey;
import io.istziio.server.cache.ObjectCache;
import io.istziio.server.parquet.FooterDescription;
import io.istziio.server.parquet.ParquetFooter;
import io.istziio.server.store.ObjectPath;
import io.istziio.server.store.ObjectTail;
import io.istziio.server.store.ObjectVersion;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.memory.BufferAllocator;

/**
 * The footers of objects that are not on this node's disk, so that GetFlightInfo on a miss answers
 * without waiting for the whole object. A footer is read with ranged GETs: the object's last
 * {@link #TAIL_BYTES} first (its ETag and size come with them, and they hold most footers whole),
 * then, only when the tail does not hold them, the first 4 bytes and the rest of the footer, each
 * on condition of that ETag. It is checked exactly as a downloaded copy's footer is ({@link
 * ParquetFooter#read(ParquetFooter.ObjectBytes, String)}), so a bad object gets the same status and
 * message either way.
 *
 * <p>Described footers are kept in memory by path and ETag, at most {@link #MAX_WEIGHT} bytes
 * (Caffeine's weigher: the stored footer's bytes, times {@link #WEIGHT_FACTOR} for what they
 * decode to), so that the infos asked while a download runs cost no store call. Concurrent
 * misses of one cold path each read the footer: ranged reads are small, and not coalesced.
 */
final class RemoteFooters {

  /** The first read: the object's last 64 KiB, which holds the footer of most files. */
  static final int TAIL_BYTES = 64 << 10;
  /** Bytes of described footers kept, by weight. */
  static final long MAX_WEIGHT = 32L << 20;
  /** A decoded footer (statistics, schema) takes a few times its stored bytes on the heap. */
  static final int WEIGHT_FACTOR = 4;
  /** Reads of an object that keeps changing between its ranged reads, before giving up. */
  private static final int ATTEMPTS = 3;

  /**
   * An object's description and the version it describes.
   *
   * @param storedBytes the footer's stored size, for the weigher
   */
  record Found(ObjectVersion version, FooterDescription description, int storedBytes) {}

  private final ObjectCache objects;
  private final BufferAllocator allocator;
  private final Path scratch;
  private final Cache<CacheKey, Found> footers;

  /**
   * @param allocator what Arrow's schema inspection allocates from (next to nothing)
   * @param scratch where a footer's stand-in file is written for Arrow to inspect, then deleted
   */
  RemoteFooters(ObjectCache objects, BufferAllocator allocator, Path scratch) {
    this.objects = objects;
    this.allocator = allocator;
    this.scratch = scratch;
    this.footers = Caffeine.newBuilder()
        .maximumWeight(MAX_WEIGHT)
        .weigher((CacheKey key, Found found) ->
            (int) Math.min(Integer.MAX_VALUE, (long) found.storedBytes() * WEIGHT_FACTOR + 1024))
        .executor(Runnable::run)
        .build();
  }

  /**
   * The object described from its footer: the known version's from memory, else its current
   * version's read from the store (which records that version, see {@link ObjectCache#tail}).
   * Empty when the store cannot read part of an object: the caller reads it whole.
   *
   * @param pinned the version the read is pinned to; null for the current one
   * @throws FlightRuntimeException the statuses a downloaded copy's checks give ({@link
   *     ParquetFooter#read(ParquetFooter.ObjectBytes, String)}, {@link FooterDescription#of}); the
   *     store's errors; for a pinned version the store no longer holds, {@link
   *     ObjectCache#changed}
   */
  Optional<Found> describe(ObjectPath path, String pinned) {
    String known = pinned != null ? pinned
        : objects.knownVersion(path).map(ObjectVersion::etag).orElse(null);
    Found cached = known == null ? null : footers.getIfPresent(new CacheKey(path.uri(), known));
    if (cached != null) {
      return Optional.of(cached);
    }
    for (int attempt = 1; ; attempt++) {
      Optional<ObjectTail> tail = objects.tail(path, TAIL_BYTES);
      if (tail.isEmpty()) {
        return Optional.empty();
      }
      ObjectVersion version = tail.get().version();
      if (pinned != null && !pinned.equals(version.etag())) {
        throw ObjectCache.changed(path, pinned, version.etag());
      }
      CacheKey key = new CacheKey(path.uri(), version.etag());
      Found found = footers.getIfPresent(key);
      if (found != null) {
        return Optional.of(found);
      }
      try {
        ParquetFooter.Read read = ParquetFooter.read(new TailBytes(path, tail.get()), path.uri());
        found = new Found(version, FooterDescription.of(read, allocator, scratch, path.uri()),
            read.stored().length);
        footers.put(key, found);
        return Optional.of(found);
      } catch (FlightRuntimeException e) {
        if (!Failures.isVersionGone(e)) {
          throw e;
        }
        if (attempt == ATTEMPTS) {
          throw Errors.storeUnavailable("%s changed %d times while its footer was read; retry "
              + "once it stops changing", path, ATTEMPTS);
        }
        // The object was replaced between two ranged reads: read the new version's tail.
      }
    }
  }

  /**
   * The object's bytes as its tail and ranged reads of the same version give them; the first
   * 4 bytes are read once (the magic checks look at them twice).
   */
  private final class TailBytes implements ParquetFooter.ObjectBytes {
    private final ObjectPath path;
    private final ObjectTail tail;
    private byte[] head; // confined to the describing thread

    TailBytes(ObjectPath path, ObjectTail tail) {
      this.path = path;
      this.tail = tail;
    }

    @Override
    public long size() {
      return tail.version().size();
    }

    @Override
    public void read(ByteBuffer buffer, long position) {
      int length = buffer.remaining();
      long offset = tail.offset();
      if (position >= offset) {
        buffer.put(tail.bytes(), (int) (position - offset), length);
        return;
      }
      if (position == 0 && length <= 4) {
        if (head == null) {
          head = objects.range(path, tail.version(), 0, 4);
        }
        buffer.put(head, 0, length);
        return;
      }
      // A footer longer than the tail: the part before the tail, then the tail's part.
      int before = (int) Math.min(length, offset - position);
      buffer.put(objects.range(path, tail.version(), position, before));
      buffer.put(tail.bytes(), 0, length - before);
    }
  }
}
