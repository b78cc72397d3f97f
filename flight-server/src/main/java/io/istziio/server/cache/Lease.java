package io.istziio.server.cache;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/** A reader's hold on a local copy of an object: the file stays on disk until the lease closes. */
public final class Lease implements AutoCloseable {

  /** How the object was found. */
  public enum Outcome {
    /** Already in the cache. */
    HIT,
    /** Downloaded from the store for this request, or by a download this request joined. */
    MISS,
    /** Like MISS, but a peer that still held this version sent it (a warm hand-off). */
    PEER,
    /** Too large to admit: a scratch copy, deleted when its last reader is done. */
    BYPASS
  }

  private final CachedFile file;
  private final Outcome outcome;
  private final long fetchNanos;
  private final AtomicBoolean closed = new AtomicBoolean();

  Lease(CachedFile file, Outcome outcome, long fetchNanos) {
    this.file = file;
    this.outcome = outcome;
    this.fetchNanos = fetchNanos;
  }

  public Path path() {
    return file.data();
  }

  public CacheKey key() {
    return file.key();
  }

  public Outcome outcome() {
    return outcome;
  }

  /** Time this request waited for the object store; 0 on a hit. */
  public long fetchNanos() {
    return fetchNanos;
  }

  /**
   * The object {@code open} makes from this file, made once per cached copy and shared by its
   * readers; it lives as long as the copy. Use it only while the lease is open.
   *
   * @throws IllegalStateException if the lease is closed: what it opened might never be closed
   */
  public <T extends AutoCloseable> T attachment(Function<Path, T> open) {
    if (closed.get()) {
      throw new IllegalStateException("the lease on " + file.key() + " is closed");
    }
    return file.attachment(open);
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      file.release();
    }
  }
}
