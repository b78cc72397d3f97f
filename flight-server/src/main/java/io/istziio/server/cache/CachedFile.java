package io.istziio.server.cache;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.LoggerFactory;

/**
 * A file on local disk with a reference count: the cache index holds one reference while the file
 * is admitted, and every reader holds one while it reads. The file is deleted when the last
 * reference goes, so eviction never pulls a file from under a reader.
 *
 * <p>The index's reference is released exactly once, by whichever party removed this very object
 * from the index: {@code invalidate}, a {@code put} that replaced it, Caffeine's eviction listener,
 * {@code close} (which {@link #retire retires} it instead), or {@code evictColdestIdle}, whose
 * {@link #tryClaimIdle} runs inside the index's atomic operation on the key. So while this object
 * is in the index, {@code refs} counts the index's reference, and {@code refs == 1} there means no
 * reader holds it.
 */
final class CachedFile {

  private final CacheKey key;
  private final Path data;
  private final long footprint;
  private final boolean admitted;
  private final Runnable deleter;
  private final AtomicInteger refs = new AtomicInteger(1);
  private volatile boolean retired; // set before the index's reference is released, never cleared
  // Changed only inside the index's atomic operation on this key while the index maps the key to
  // this object (so never after it left the index); volatile for the weigher and victim filters.
  private volatile boolean pinned;
  private AutoCloseable attachment; // guarded by this
  private boolean gone; // guarded by this: the last reference went, no attachment may be opened

  /**
   * Starts with one reference, held by whoever made it.
   *
   * @param footprint the bytes it holds on disk, data and sidecar
   * @param admitted whether it belongs to the cache, rather than being a scratch copy
   * @param deleter removes it from disk; runs once, when the last reference goes
   */
  CachedFile(CacheKey key, Path data, long footprint, boolean admitted, Runnable deleter) {
    this.key = key;
    this.data = data;
    this.footprint = footprint;
    this.admitted = admitted;
    this.deleter = deleter;
  }

  CacheKey key() {
    return key;
  }

  Path data() {
    return data;
  }

  long footprint() {
    return footprint;
  }

  boolean admitted() {
    return admitted;
  }

  /** Takes {@code count} references, unless the file is already gone. */
  boolean tryRetain(int count) {
    while (true) {
      int current = refs.get();
      if (current <= 0) {
        return false;
      }
      if (refs.compareAndSet(current, current + count)) {
        return true;
      }
    }
  }

  /**
   * What a reader derived from the file and the next reader may reuse (an opened Parquet file, say),
   * made by the first caller; it is closed when the last reference goes, just before the file is
   * deleted. Only a holder of a reference may call it.
   */
  @SuppressWarnings("unchecked")
  synchronized <T extends AutoCloseable> T attachment(Function<Path, T> open) {
    if (gone) {
      // Only a caller without a reference gets here: what it opened would never be closed.
      throw new IllegalStateException("the cached copy of " + key + " is gone; "
          + "open attachments only while holding a lease");
    }
    if (attachment == null) {
      attachment = open.apply(data);
    }
    return (T) attachment;
  }

  /** The last reference went: close the attachment, and delete the file unless it was retired. */
  private void lastReferenceGone() {
    AutoCloseable opened;
    synchronized (this) {
      opened = attachment;
      attachment = null;
      gone = true;
    }
    close(opened);
    if (!retired) {
      deleter.run();
    }
  }

  private void close(AutoCloseable opened) {
    if (opened != null) {
      try {
        opened.close();
      } catch (Exception e) {
        LoggerFactory.getLogger(CachedFile.class).warn("closing what was opened on {}: {}", data, e.toString());
      }
    }
  }

  void release() {
    int left = refs.decrementAndGet();
    if (left == 0) {
      lastReferenceGone();
    } else if (left < 0) {
      throw new IllegalStateException("released more often than retained: " + key);
    }
  }

  /**
   * Releases the index's reference but keeps the file on disk, for the next run to reload: the
   * attachment is closed when the last reader is done with it, not under a reader.
   */
  void retire() {
    retired = true;
    release();
  }

  /**
   * Takes the last reference if only the index holds the file, atomically with respect to {@link
   * #tryRetain}: afterwards no reader can take it, and the caller must {@link #deleteClaimed}.
   * Call it only inside the index's atomic operation on this key, having checked that the index
   * still maps the key to this object; otherwise {@code refs == 1} may be a reader's reference.
   */
  boolean tryClaimIdle() {
    return refs.compareAndSet(1, 0);
  }

  /** Deletes the file after a successful {@link #tryClaimIdle}, outside the index's lock. */
  void deleteClaimed() {
    lastReferenceGone();
  }

  /** Whether the copy is pinned: never a victim of size pressure (see DiskCache). */
  boolean pinned() {
    return pinned;
  }

  /** Only inside the index's atomic operation on this key, while the index maps it to this object. */
  void pinned(boolean value) {
    pinned = value;
  }

  /** True when only the cache index holds the file, so evicting it frees its bytes at once. */
  boolean idle() {
    return refs.get() == 1;
  }
}
