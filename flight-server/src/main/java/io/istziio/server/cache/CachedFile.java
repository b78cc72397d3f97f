package io.istziio.server.cache;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.LoggerFactory;

/**
 * A file on local disk with a reference count: the cache index holds one reference while the file
 * is admitted, and every reader holds one while it reads. The file is deleted when the last
 * reference goes, so eviction never pulls a file from under a reader.
 */
final class CachedFile {

  private final CacheKey key;
  private final Path data;
  private final long footprint;
  private final boolean admitted;
  private final Runnable deleter;
  private final AtomicInteger refs = new AtomicInteger(1);
  private AutoCloseable attachment; // guarded by this

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
   * made by the first caller; it is closed just before the file is deleted.
   */
  @SuppressWarnings("unchecked")
  synchronized <T extends AutoCloseable> T attachment(Function<Path, T> open) {
    if (attachment == null) {
      attachment = open.apply(data);
    }
    return (T) attachment;
  }

  private void delete() {
    closeAttachment();
    deleter.run();
  }

  void closeAttachment() {
    AutoCloseable opened;
    synchronized (this) {
      opened = attachment;
      attachment = null;
    }
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
      delete();
    } else if (left < 0) {
      throw new IllegalStateException("released more often than retained: " + key);
    }
  }

  /**
   * Deletes the file if only the cache index holds it, atomically with respect to {@link
   * #tryRetain}: afterwards no reader can take it.
   */
  boolean tryEvict() {
    if (refs.compareAndSet(1, 0)) {
      delete();
      return true;
    }
    return false;
  }

  /** True when only the cache index holds the file, so evicting it frees its bytes at once. */
  boolean idle() {
    return refs.get() == 1;
  }
}
