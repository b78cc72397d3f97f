package io.istziio.server.flight;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * Where disk-tier streams of slow clients park the rest of their rows, so that their native
 * scanners can close.
 *
 * <p>Arrow Dataset's scanner decodes ahead of its reader (16 batches and 4 fragments of
 * read-ahead, which Arrow Java's {@code ScanOptions} cannot set): a client that takes one batch a
 * second held 24–81 MiB of native memory for as long as it read. A stream whose client has made
 * it wait {@link #SLOW_CLIENT_MILLIS} for one batch instead decodes the rest of its rows at once
 * into an Arrow IPC stream file here, closes the scanner, and sends from the file one batch at a
 * time ({@link SpooledRows}): a slow client then costs one batch of memory and the file's bytes on
 * disk, deleted when its stream ends.
 *
 * <p>Concurrency: one stream drains at a time ({@link #drains}, taken without waiting: a stream
 * that does not get it keeps its scanner and asks again at its next slow batch), so the read-ahead
 * of only one extra scan is live at once however many clients slow down together. Spooled bytes
 * are counted in {@link #usedBytes}; a drain stops before a batch when the bound is reached (so it
 * is exceeded by at most the one batch being written) and its stream reads on from its scanner
 * after the spooled rows.
 */
public final class StreamSpool {

  /**
   * How long a stream waits for its client's flow-control window, for one batch, before it
   * spools: a client on the same host takes a 1 MiB batch in about a millisecond, and one reading
   * at 10 MB/s in 100 ms.
   */
  public static final long SLOW_CLIENT_MILLIS = 500;

  private final Path directory;
  private final long capacityBytes;
  private final Semaphore drains = new Semaphore(1);
  private final AtomicLong usedBytes = new AtomicLong();
  private final AtomicLong files = new AtomicLong();
  private final LongAdder spooledStreams = new LongAdder();

  /**
   * Opens the spool in {@code directory}, deleting what a previous run left there.
   *
   * @param capacityBytes the most bytes of spooled rows on disk at once; 0 turns spooling off
   * @throws UncheckedIOException if the directory cannot be made or emptied
   */
  public StreamSpool(Path directory, long capacityBytes) {
    this.directory = directory;
    this.capacityBytes = capacityBytes;
    try {
      Files.createDirectories(directory);
      try (Stream<Path> left = Files.list(directory)) {
        for (Path file : (Iterable<Path>) left::iterator) {
          Files.deleteIfExists(file);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the spool directory " + directory, e);
    }
  }

  /**
   * A new file for one stream's rows, holding the drain permit until {@link #drained}; null if
   * spooling is off, full, or another stream is draining.
   */
  Path startDrain() {
    if (capacityBytes == 0 || usedBytes.get() >= capacityBytes || !drains.tryAcquire()) {
      return null;
    }
    return directory.resolve(files.incrementAndGet() + ".arrows");
  }

  /**
   * Ends the drain {@link #startDrain} began, letting the next slow stream drain.
   *
   * @param spooled whether the drain wrote its file (false: it failed and the file is gone)
   */
  void drained(boolean spooled) {
    if (spooled) {
      spooledStreams.increment();
    }
    drains.release();
  }

  /** Whether {@code bytes} more fit under the bound. */
  boolean hasRoom(long bytes) {
    return usedBytes.get() + bytes <= capacityBytes;
  }

  void add(long bytes) {
    usedBytes.addAndGet(bytes);
  }

  void remove(long bytes) {
    usedBytes.addAndGet(-bytes);
  }

  /** Bytes of spooled rows on disk now. */
  public long usedBytes() {
    return usedBytes.get();
  }

  /** The bound on {@link #usedBytes}; 0 when spooling is off. */
  public long capacityBytes() {
    return capacityBytes;
  }

  /** Streams that spooled their rows since the node started. */
  public long spooledStreams() {
    return spooledStreams.sum();
  }
}
