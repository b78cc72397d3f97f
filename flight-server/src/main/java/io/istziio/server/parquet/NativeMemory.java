package io.istziio.server.parquet;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.dataset.jni.NativeMemoryPool;
import org.apache.arrow.dataset.jni.ReservationListener;

/**
 * The native memory of Arrow Dataset's scanners, accounted: every dataset this process opens
 * allocates from one listenable pool, whose reservations are counted here. Process-wide, like the
 * process's RSS it explains: the scanner decodes ahead of its reader (a paused scan of the ISTZIO
 * 100 MB file holds 20–55 MiB, one of a file with larger row groups about one decoded row group),
 * and those batches are what this counts. The file's own bytes are not: scans read them through a
 * memory map (see {@link ParquetFile}), so they are page cache, counted once for all scans.
 */
public final class NativeMemory {

  private static final AtomicLong RESERVED = new AtomicLong();

  /** The pool every {@link ParquetFile} opens its dataset with; it lives as long as the process. */
  static final NativeMemoryPool POOL = NativeMemoryPool.createListenable(new ReservationListener() {
    @Override
    public void reserve(long size) {
      RESERVED.addAndGet(size);
    }

    @Override
    public void unreserve(long size) {
      RESERVED.addAndGet(-size);
    }
  });

  private NativeMemory() {}

  /** Bytes Arrow Dataset's native code holds right now, across all scans of this process. */
  public static long reservedBytes() {
    return RESERVED.get();
  }
}
