package io.istziio.server.memory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.istziio.server.NodeConfig;
import io.istziio.server.cache.CacheKey;
import io.istziio.server.cache.Lease;
import io.istziio.server.parquet.ParquetFile;
import io.istziio.server.parquet.ParquetFooter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.TransferPair;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory tier: hot files decoded once into Arrow record batches, keyed by (path, ETag) like
 * the disk tier, bounded in bytes by Caffeine's weigher, so W-TinyLFU decides which files enter
 * and which leave.
 *
 * <ul>
 *   <li>A lookup is one Caffeine read and a reference count: no lock, no store call.
 *   <li>A file is decoded by the first request that reads it from the disk tier (concurrent ones
 *       join it), which is then served from the decoded batches whether W-TinyLFU admits them or
 *       not. Files whose footer says they would take more than half the tier, and files with
 *       dictionary-encoded columns, are left to the disk tier, as are reads that find decodes
 *       already holding half the tier.
 *   <li>Admitted bytes never exceed the bound. An evicted file's buffers are freed when the last
 *       stream sending them finishes, so the tier's allocator may briefly hold more than the
 *       bound while such streams run; {@link #allocatedBytes} reports it.
 * </ul>
 */
public final class MemoryTier implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(MemoryTier.class);

  // Written by resize() (Caffeine's bound follows under its own lock); read anywhere.
  private volatile long capacity;
  private final NodeConfig.Serving serving;
  private final BufferAllocator allocator;
  private final Cache<CacheKey, DecodedFile> files;
  /** Decodes under way, so that concurrent readers of a key share one. */
  private final Map<CacheKey, CompletableFuture<DecodedFile>> decoding = new ConcurrentHashMap<>();
  /** Estimated bytes of the decodes under way: at most half the tier. */
  private final AtomicLong decodingBytes = new AtomicLong();
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder admissions = new LongAdder();
  private final LongAdder rejections = new LongAdder();
  private final LongAdder evictions = new LongAdder();
  private final LongAdder skipped = new LongAdder();

  /**
   * @param serving its memoryBytes is the most bytes of decoded batches the tier admits (0 turns
   *     the tier off); its batch bounds cut the decoded batches, all columns, so that each fits a
   *     gRPC message
   */
  public MemoryTier(BufferAllocator parent, NodeConfig.Serving serving) {
    long capacity = serving.memoryBytes();
    if (capacity < 0) {
      throw new IllegalArgumentException("memory tier capacity must be >= 0, got " + capacity);
    }
    this.capacity = capacity;
    this.serving = serving;
    this.allocator = parent.newChildAllocator("memory-tier", 0, Long.MAX_VALUE);
    this.files = Caffeine.newBuilder()
        .maximumWeight(capacity)
        .weigher((CacheKey key, DecodedFile file) -> (int) Math.min(file.bytes(), Integer.MAX_VALUE))
        .removalListener((CacheKey key, DecodedFile file, RemovalCause cause) -> {
          if (cause.wasEvicted()) {
            evictions.increment();
          }
          file.release(); // the tier's reference; streams still sending keep theirs
        })
        .executor(Runnable::run) // removal on the caller's thread: buffers go back promptly
        .build();
  }

  public boolean enabled() {
    return capacity > 0;
  }

  /**
   * The decoded file for {@code key}, retained for the caller, who must {@link
   * DecodedFile#release} it; null when the tier does not hold it.
   */
  public DecodedFile retain(CacheKey key) {
    if (!enabled()) {
      return null;
    }
    DecodedFile file = files.getIfPresent(key);
    if (file != null && file.tryRetain()) {
      hits.increment();
      return file;
    }
    return null; // a miss is counted by read(), where every DoGet the tier cannot serve goes
  }

  /**
   * The decoded file of a copy just read from the disk tier, retained for the caller: held by the
   * tier already, decoded by a request under way (joined), or decoded now on the caller's thread
   * and offered to W-TinyLFU's admission. Turned away or not, a file decoded now serves the
   * request that decoded it and those that joined, so a miss is decoded once, not once to serve
   * and once for the tier.
   *
   * <p>Null when the tier does not take files like this one (turned off, more than half the tier by
   * the footer's estimate, dictionary-encoded columns), when decodes under way already hold half
   * the tier, or when the decode fails for a reason of the node's: the caller scans the disk copy
   * instead.
   *
   * @throws FlightRuntimeException when a page of the file does not decode (see {@link
   *     ParquetFile#scanFailure}), to this request and those that joined it; nothing of the file
   *     is kept, so a later read decodes it again
   */
  public DecodedFile read(Lease lease, ParquetFile file) {
    CacheKey key = lease.key();
    if (!enabled()) {
      return null;
    }
    DecodedFile held = retain(key); // decoded since this request looked
    if (held != null) {
      return held;
    }
    misses.increment();
    long estimate = file.footer().bytes(null);
    if (estimate > capacity / 2 || hasDictionary(file.fileSchema())) {
      skipped.increment();
      return null;
    }
    CompletableFuture<DecodedFile> mine = new CompletableFuture<>();
    CompletableFuture<DecodedFile> running = decoding.putIfAbsent(key, mine);
    if (running != null) {
      DecodedFile joined;
      try {
        joined = running.join(); // null when the decode failed for a reason of the node's
      } catch (CompletionException e) {
        throw (FlightRuntimeException) e.getCause(); // the file is damaged: the decoder's status
      }
      return joined != null && joined.tryRetain() ? joined : null;
    }
    DecodedFile decoded = null;
    FlightRuntimeException damaged = null;
    try {
      if (decodingBytes.addAndGet(estimate) <= capacity / 2) {
        decoded = decode(key, file);
        admit(decoded);
      }
    } catch (FlightRuntimeException e) {
      damaged = e; // a scan would fail the same way: the request gets the cause before any batch
      throw e;
    } catch (RuntimeException e) {
      LOG.warn("cannot decode {} into memory; it is served from disk: {}", key.path(), e.toString());
      if (decoded != null) {
        decoded.release();
        decoded = null;
      }
    } finally {
      decodingBytes.addAndGet(-estimate);
      decoding.remove(key, mine);
      if (damaged != null) {
        mine.completeExceptionally(damaged);
      } else {
        mine.complete(decoded);
      }
    }
    return decoded; // the maker's reference is the caller's
  }

  private void admit(DecodedFile decoded) {
    if (decoded.bytes() > capacity / 2) {
      skipped.increment();
      return;
    }
    decoded.tryRetain(); // the tier's reference, released when Caffeine removes the entry
    files.put(decoded.key(), decoded);
    files.cleanUp(); // runs W-TinyLFU's admission now: the candidate may be the victim
    if (files.policy().getIfPresentQuietly(decoded.key()) == decoded) {
      admissions.increment();
    } else {
      rejections.increment();
    }
  }

  /** Decodes every column of the file into batches of at most --batch-bytes. */
  private DecodedFile decode(CacheKey key, ParquetFile file) {
    ParquetFooter footer = file.footer();
    long rowsPerBatch = serving.rowsPerBatch(footer, null);
    List<VectorSchemaRoot> roots = new ArrayList<>();
    try (ParquetFile.Scan scan = file.scan(null, rowsPerBatch, null)) {
      ArrowReader reader = scan.reader();
      VectorSchemaRoot source = reader.getVectorSchemaRoot();
      while (loadNext(reader, file)) {
        List<FieldVector> vectors = new ArrayList<>();
        for (FieldVector vector : source.getFieldVectors()) {
          TransferPair transfer = vector.getTransferPair(allocator);
          transfer.transfer(); // the scanner's buffers become the tier's, without a copy
          vectors.add((FieldVector) transfer.getTo());
        }
        roots.add(new VectorSchemaRoot(source.getSchema().getFields(), vectors, source.getRowCount()));
      }
      return new DecodedFile(key, file.fileSchema(), footer, roots, allocator);
    } catch (Exception e) {
      AutoCloseables.closeNoChecked(() -> AutoCloseables.close(roots));
      throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
    }
  }

  /** The next batch; a page that does not decode fails with the status of its cause. */
  private static boolean loadNext(ArrowReader reader, ParquetFile file) throws java.io.IOException {
    try {
      return reader.loadNextBatch();
    } catch (RuntimeException e) {
      throw file.scanFailure(e);
    }
  }

  private static boolean hasDictionary(Schema schema) {
    return schema.getFields().stream().anyMatch(MemoryTier::hasDictionary);
  }

  private static boolean hasDictionary(Field field) {
    return field.getDictionary() != null
        || field.getChildren().stream().anyMatch(MemoryTier::hasDictionary);
  }

  /** Whether some version of the object at {@code path} is admitted. */
  public boolean holds(String path) {
    return files.asMap().keySet().stream().anyMatch(key -> key.path().equals(path));
  }

  /** The keys of the admitted files, in no order. */
  public List<CacheKey> keys() {
    return List.copyOf(files.asMap().keySet());
  }

  /** One admitted file, as {@link #snapshot} lists it: bytes of its decoded batches, and rows. */
  public record Entry(CacheKey key, long bytes, long rows) {}

  /**
   * The admitted files whose path starts with {@code prefix}, at the moment of the call; reads
   * Caffeine's concurrent view, so it takes no lock and retains nothing.
   */
  public List<Entry> snapshot(String prefix) {
    List<Entry> entries = new ArrayList<>();
    files.asMap().forEach((key, file) -> {
      if (key.path().startsWith(prefix)) {
        entries.add(new Entry(key, file.bytes(), file.rows()));
      }
    });
    return entries;
  }

  /** Drops the entry for this key, for example when its object changed. */
  public void invalidate(CacheKey key) {
    files.invalidate(key);
  }

  /** The bound in bytes: {@code --memory-size}, or what {@link #resize} set since. */
  public long capacityBytes() {
    return capacity;
  }

  /**
   * Sets the bound to {@code newCapacity} bytes (0 turns the tier off) and evicts down to it
   * before returning: Caffeine evicts on the calling thread, and each evicted file's buffers go
   * when the last stream sending them ends. Returns the bound before.
   */
  public long resize(long newCapacity) {
    if (newCapacity < 0) {
      throw new IllegalArgumentException("memory tier capacity must be >= 0, got " + newCapacity);
    }
    synchronized (files) { // one resize at a time, so the bound and Caffeine's agree
      long old = capacity;
      capacity = newCapacity;
      files.policy().eviction().orElseThrow().setMaximum(newCapacity);
      files.cleanUp();
      return old;
    }
  }

  /** Bytes of the admitted files: at most the capacity. */
  public long usedBytes() {
    return files.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
  }

  /** Bytes the tier's allocator holds: admitted files and evicted ones still being sent. */
  public long allocatedBytes() {
    return allocator.getAllocatedMemory();
  }

  public long entries() {
    return files.estimatedSize();
  }

  public long hits() {
    return hits.sum();
  }

  public long misses() {
    return misses.sum();
  }

  public long admissions() {
    return admissions.sum();
  }

  /** Decoded files that W-TinyLFU turned away in favour of the files already held. */
  public long rejections() {
    return rejections.sum();
  }

  public long evictions() {
    return evictions.sum();
  }

  /** Files left on disk: too large for the tier, or with dictionary-encoded columns. */
  public long skipped() {
    return skipped.sum();
  }

  /** Frees every admitted file; call after the streams have stopped. Fails loudly on a leak. */
  @Override
  public void close() {
    files.invalidateAll();
    files.cleanUp();
    allocator.close();
  }
}
