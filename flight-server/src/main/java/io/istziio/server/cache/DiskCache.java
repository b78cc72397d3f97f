package io.istziio.server.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;
import io.istziio.server.Errors;
import io.istziio.server.store.LocalWriteException;
import io.istziio.server.store.ObjectContent;
import io.istziio.server.store.ObjectVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disk tier: local copies of objects, bounded in bytes.
 *
 * <ul>
 *   <li>A hit is a lock-free index lookup and a reference count; it never waits for a download.
 *   <li>A miss runs on the miss executor, and concurrent misses of one path share one download,
 *       whether or not they knew its version: a miss is one store round trip whose answer names
 *       the version (the key) before the body arrives.
 *   <li>Room is made before a download starts, so the bytes on disk (admitted files, files evicted
 *       but still being read, and downloads under way) never exceed the bound: the smaller of the
 *       capacity and what the filesystem can hold (its usable space, read at each reservation).
 *       An object that cannot fit is not admitted: it is downloaded to a scratch file that goes
 *       with its last reader; if even that does not fit on the disk, the request gets
 *       RESOURCE_EXHAUSTED naming the cache disk.
 *   <li>Victims are taken in Caffeine's eviction order (W-TinyLFU), skipping files being read.
 *   <li>Pinned paths ({@link #pin}, kept in {@code pins.json}) are never victims of size pressure:
 *       Caffeine weighs their copies 0 and {@link #reserve} skips them, while their bytes still
 *       count against the bound, so a cache full of pins admits nothing more (misses are served
 *       from scratch copies) rather than overshoot.
 *   <li>The bound changes at run time ({@link #resize}), evicting down at once.
 *   <li>Each admitted file has a JSON sidecar naming its key, written after the data: on restart
 *       the index is rebuilt from the complete pairs and everything else is deleted.
 * </ul>
 */
public final class DiskCache implements AutoCloseable {

  /**
   * Starts one object's download (one store round trip, on the miss executor) and returns once its
   * version is known, before its body is read; throws a Flight error on failure.
   */
  @FunctionalInterface
  public interface Fetcher {
    ObjectContent open();
  }

  private static final Logger LOG = LoggerFactory.getLogger(DiskCache.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DATA = ".parquet";
  private static final String SIDECAR = ".json";
  /** The pinned paths, beside objects/ in the cache directory. */
  public static final String PINS = "pins.json";
  private static final AtomicLong COPIES = new AtomicLong();

  /** The sidecar of an admitted file. */
  record Sidecar(String path, String etag, long size) {}

  /** A download under way for one path and the requests waiting for it. */
  private static final class Download {
    final CompletableFuture<CachedFile> result = new CompletableFuture<>();
    int waiters; // guarded by the downloads map's lock on this path
    boolean started; // likewise
    // Whether a peer sent the body (a hand-off); written before result completes, which
    // publishes it to the waiters.
    volatile boolean fromPeer;
  }

  private final Path directory;
  private final Path objects;
  private final Path partials;
  private final Path scratch;
  // Written by resize() under the pinning and admission locks; read anywhere.
  private volatile long capacity;
  private final Executor missExecutor;
  private final LongSupplier usableSpace;
  private final long blockSize;
  // The index holds one reference on each file it maps. Guarded by the index's atomic operations:
  // whoever removes a file object from the index (remove, a put that replaces it, the eviction
  // listener, the remapping function of evictColdestIdle) releases that reference, once; nobody
  // else does. See CachedFile.
  private final Cache<CacheKey, CachedFile> index;
  private final Policy.Eviction<CacheKey, CachedFile> evictionOrder;
  // By path, not by key: a first miss does not know the version it will get.
  private final Map<String, Download> downloads = new ConcurrentHashMap<>();
  // The versions a previous run left here, by path, until the first request for each path.
  private final Map<String, ObjectVersion> restored = new ConcurrentHashMap<>();
  private final AtomicLong usedBytes = new AtomicLong();
  // Disk bytes reserved by writes under way (admitted and scratch) that the filesystem's usable
  // space may not show yet. Counted whole until the write ends, so the check is conservative.
  private final AtomicLong unwritten = new AtomicLong();
  private final Object admission = new Object();
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder bypasses = new LongAdder();
  private final LongAdder downloadsStarted = new LongAdder();
  private final LongAdder downloadedBytes = new LongAdder();
  private final Map<String, LongAdder> downloadFailures = new ConcurrentHashMap<>();
  private final LongAdder evictions = new LongAdder();
  private final PinnedPaths pins;
  // Serializes pin, unpin and resize (taken before admission, never after it), so that a pin
  // set change and the marking of its copies are one step, and resize's check of the pinned
  // bytes holds until the bound is set.
  private final Object pinning = new Object();
  // The pinned copies in the index. A copy's pinned flag changes only inside the index's atomic
  // operation on its key while mapped (markPinned); whoever removes a copy from the index
  // subtracts it (unindexed), as with the index's reference.
  private final AtomicLong pinnedBytes = new AtomicLong();
  private final AtomicLong pinnedEntries = new AtomicLong();
  private volatile boolean closed;

  /**
   * Opens the cache in {@code directory}, keeping the complete entries a previous run left there.
   *
   * @param capacity the most bytes the cache may hold on disk
   * @param missExecutor runs downloads, so that they never hold up hits
   */
  public DiskCache(Path directory, long capacity, Executor missExecutor) {
    this(directory, capacity, missExecutor, null);
  }

  /** @param usableSpace the filesystem's usable bytes; null to ask the directory's file store */
  DiskCache(Path directory, long capacity, Executor missExecutor, LongSupplier usableSpace) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("cache capacity must be positive, got " + capacity);
    }
    this.directory = directory;
    this.objects = directory.resolve("objects");
    this.partials = directory.resolve("partials");
    this.scratch = directory.resolve("scratch");
    this.capacity = capacity;
    this.missExecutor = missExecutor;
    // The byte bound is enforced by reserve(); Caffeine's own bound only orders the victims, so it
    // is set to the same capacity and never trips first (but for resize, below). A pinned copy
    // weighs 0, which Caffeine never evicts by size; marking re-weighs it (markPinned).
    this.index = Caffeine.newBuilder()
        .maximumWeight(capacity)
        .weigher((CacheKey key, CachedFile file) ->
            file.pinned() ? 0 : (int) Math.min(file.footprint(), Integer.MAX_VALUE))
        // Runs inside Caffeine's atomic removal of the entry, so it removed this very file.
        .evictionListener((CacheKey key, CachedFile file, com.github.benmanes.caffeine.cache.RemovalCause cause) -> {
          if (file != null) {
            unindexed(file);
            evictions.increment();
            file.release();
          }
        })
        .executor(Runnable::run)
        .build();
    this.evictionOrder = index.policy().eviction().orElseThrow();
    try {
      Files.createDirectories(objects);
      Files.createDirectories(partials);
      Files.createDirectories(scratch);
      FileStore fileStore = Files.getFileStore(directory);
      this.blockSize = blockSize(fileStore);
      // One statfs call: cheap enough to read at every reservation, and always current.
      this.usableSpace = usableSpace != null ? usableSpace : () -> {
        try {
          return fileStore.getUsableSpace();
        } catch (IOException e) {
          return 0; // an unreadable disk holds nothing more
        }
      };
      deleteContents(partials);
      deleteContents(scratch);
      pins = new PinnedPaths(directory.resolve(PINS)); // before reload, which marks their copies
      reload();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the cache directory " + directory, e);
    }
  }

  /**
   * A local copy of the object at {@code path}: the cached copy of version {@code etag} if there is
   * one, else whatever version {@code fetcher} gets from the store (see {@link Lease#key()}). The
   * caller must close the lease.
   *
   * @param etag the version the caller believes current; null when it knows none
   */
  public Lease acquire(String path, String etag, Fetcher fetcher) {
    if (etag != null) {
      CachedFile cached = index.getIfPresent(new CacheKey(path, etag));
      if (cached != null && cached.tryRetain(1)) {
        hits.increment();
        return new Lease(cached, Lease.Outcome.HIT, 0);
      }
    }
    long start = System.nanoTime();
    Download download = join(path, fetcher, null);
    CachedFile file;
    try {
      file = download.result.join(); // retained on our behalf when the download was sealed
    } catch (RuntimeException e) {
      throw Errors.toFlight(e, "download of " + path);
    }
    if (file.admitted()) {
      misses.increment();
    } else {
      bypasses.increment();
    }
    Lease.Outcome outcome = !file.admitted() ? Lease.Outcome.BYPASS
        : download.fromPeer ? Lease.Outcome.PEER : Lease.Outcome.MISS;
    return new Lease(file, outcome, System.nanoTime() - start);
  }

  /**
   * Starts the download of {@code path}, or joins the one under way, and returns at once: a read
   * of the path that comes meanwhile joins the download as any miss does, and one that comes after
   * finds the copy cached (or, for an object too large to admit, downloads it again). Counted as
   * neither a hit nor a miss; a failure is counted and logged as any download's.
   */
  public void prefetch(String path, Fetcher fetcher) {
    // The download retains its copy once per waiter, this one too: let go of it at once.
    join(path, fetcher, file -> file.release());
  }

  /**
   * Joins the download of {@code path} under way, or starts one, as one more waiter.
   *
   * @param whenDone given the waiter's reference once the download succeeds, attached before the
   *     download starts; null for a caller that joins the result itself
   */
  private Download join(String path, Fetcher fetcher,
      java.util.function.Consumer<CachedFile> whenDone) {
    boolean[] first = {false};
    Download download = downloads.compute(path, (k, current) -> {
      Download joined = current != null ? current : new Download();
      first[0] = !joined.started;
      joined.started = true;
      joined.waiters++;
      return joined;
    });
    if (whenDone != null) {
      download.result.thenAccept(whenDone);
    }
    if (first[0]) {
      startDownload(path, fetcher, download);
    }
    return download;
  }

  /**
   * A lease on the cached copy of {@code key}, counted as a hit; null, counting nothing, when
   * there is none: never a download.
   */
  public Lease acquireIfCached(CacheKey key) {
    CachedFile cached = index.getIfPresent(key);
    if (cached != null && cached.tryRetain(1)) {
      hits.increment();
      return new Lease(cached, Lease.Outcome.HIT, 0);
    }
    return null;
  }

  /**
   * Where short-lived files of the node's own go (a footer's stand-in, see {@code
   * FooterDescription}): emptied at every start.
   */
  public Path scratchDirectory() {
    return scratch;
  }

  /**
   * A lease on the cached copy of {@code key}, or null when there is none: never a download, and
   * not counted as a hit (a peer's hand-off read, not a request of this node's).
   */
  public Lease acquireCached(CacheKey key) {
    CachedFile cached = index.policy().getIfPresentQuietly(key);
    return cached != null && cached.tryRetain(1) ? new Lease(cached, Lease.Outcome.HIT, 0) : null;
  }

  /** The version of {@code path} a previous run left here and no request has taken yet. */
  public Optional<ObjectVersion> restoredVersion(String path) {
    return Optional.ofNullable(restored.get(path));
  }

  /** Drops the entry for this key, for example when its object changed; readers keep their copy. */
  public void invalidate(CacheKey key) {
    CachedFile file = index.asMap().remove(key);
    if (file != null) {
      unindexed(file);
      file.release(); // the index's reference: we removed this file, so nobody else releases it
    }
  }

  private void startDownload(String path, Fetcher fetcher, Download download) {
    try {
      if (closed) {
        throw Errors.unavailable("the node is shutting down; retry on another node");
      }
      missExecutor.execute(() -> run(path, fetcher, download));
    } catch (RuntimeException e) {
      fail(path, download, e instanceof RejectedExecutionException
          ? Errors.unavailable("the node is shutting down; retry on another node") : e);
    }
  }

  private void fail(String path, Download download, Throwable failure) {
    downloads.remove(path, download);
    downloadFailures.computeIfAbsent(failureKind(failure), k -> new LongAdder()).increment();
    download.result.completeExceptionally(failure);
  }

  private void run(String path, Fetcher fetcher, Download download) {
    CachedFile file;
    downloadsStarted.increment(); // counted as the request goes out, before the store answers
    try (ObjectContent content = fetcher.open()) {
      ObjectVersion version = content.version();
      CacheKey key = new CacheKey(path, version.etag());
      // The version the store sent may be cached already (a caller that knew no version, or a
      // download of the path that finished since the caller looked): then its body goes unread.
      CachedFile cached = index.getIfPresent(key);
      if (cached != null && cached.tryRetain(1)) {
        file = cached;
      } else {
        file = fetch(key, version.size(), content);
        download.fromPeer = content.fromPeer();
      }
    } catch (Throwable t) {
      fail(path, download, t);
      return;
    }
    CachedFile sealed = file;
    boolean[] retained = {false};
    // Retain once per waiter while no new waiter can join, then let later requests start afresh.
    // (The download is gone from the map only if close() failed its waiters already.)
    downloads.compute(path, (k, current) -> {
      if (current != download) {
        return current;
      }
      retained[0] = sealed.tryRetain(download.waiters);
      return null;
    });
    file.release(); // the download's own reference
    if (retained[0]) {
      download.result.complete(file);
    }
  }

  /** Downloads the object; the returned file carries one reference for the caller. */
  private CachedFile fetch(CacheKey key, long size, ObjectContent content) throws IOException {
    byte[] sidecar = JSON.writeValueAsBytes(new Sidecar(key.path(), key.etag(), size));
    long footprint = size + sidecar.length;
    // What the files take on disk: whole blocks, the sidecar's own block included.
    long diskBytes = blocks(size) + blocks(sidecar.length);
    boolean admitted = reserve(footprint, diskBytes);
    if (!admitted && !reserveScratch(blocks(size))) {
      throw diskFull(blocks(size), null); // before any byte is read: nothing to undo
    }
    long reservedDisk = admitted ? diskBytes : blocks(size);
    Path part = (admitted ? partials : scratch).resolve(UUID.randomUUID() + DATA);
    Path data = null;
    try {
      content.transferTo(part);
      long actual = Files.size(part);
      downloadedBytes.add(actual);
      if (actual != size) {
        throw Errors.storeUnavailable("%s changed during the download (expected %d bytes, got %d); "
            + "retry", key.path(), size, actual);
      }
      if (!admitted) {
        return new CachedFile(key, part, size, false, () -> deleteQuietly(part));
      }
      // Each copy gets its own name: an older copy of the same key, evicted but still being read,
      // must not share a path that its deleter would later remove.
      String name = key.fileName() + "-" + Long.toHexString(COPIES.incrementAndGet() ^ System.nanoTime());
      data = objects.resolve(name + DATA);
      Path meta = objects.resolve(name + SIDECAR);
      force(part);
      Files.move(part, data, StandardCopyOption.ATOMIC_MOVE);
      Path metaPart = partials.resolve(name + SIDECAR);
      Files.write(metaPart, sidecar);
      force(metaPart);
      Files.move(metaPart, meta, StandardCopyOption.ATOMIC_MOVE);
      CachedFile file = admittedFile(key, data, meta, footprint);
      file.tryRetain(1); // the index's reference; the first one is the caller's
      CachedFile previous = index(key, file);
      if (previous != null) {
        previous.release(); // the index's reference on the copy this put removed
      }
      return file;
    } catch (RuntimeException | IOException | Error e) {
      deleteQuietly(part);
      if (data != null) {
        deleteQuietly(data);
      }
      if (admitted) {
        usedBytes.addAndGet(-footprint);
      }
      // A local write that failed (the disk filled up under us: other files on it, or blocks the
      // estimate missed) is this disk's doing, not the store's: say so, and do not retry.
      if (e instanceof LocalWriteException || e instanceof IOException) {
        throw diskFull(reservedDisk, e);
      }
      throw e;
    } finally {
      unwritten.addAndGet(-reservedDisk); // written by now, or deleted
    }
  }

  /** RESOURCE_EXHAUSTED naming the cache disk, what it has free and what the object needed. */
  private RuntimeException diskFull(long needed, Throwable cause) {
    long free = Math.max(0, usableSpace.getAsLong() - unwritten.get());
    String why = cause == null ? "" : " (" + Errors.firstLine(
        cause instanceof LocalWriteException && cause.getCause() != null ? cause.getCause() : cause) + ")";
    LOG.warn("the cache disk {} is full: {} free, {} needed{}", directory, mib(free), mib(needed), why);
    return Errors.resourceExhausted("the cache disk %s has %s free, %s needed%s; free space or "
        + "lower --cache-size", directory, mib(free), mib(needed), why);
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
  }

  private long blocks(long bytes) {
    return (bytes + blockSize - 1) / blockSize * blockSize;
  }

  private static long blockSize(FileStore store) {
    try {
      long size = store.getBlockSize();
      return size > 0 ? size : 4096;
    } catch (IOException | UnsupportedOperationException e) {
      return 4096;
    }
  }

  private CachedFile admittedFile(CacheKey key, Path data, Path meta, long footprint) {
    return new CachedFile(key, data, footprint, true, () -> {
      deleteQuietly(meta); // first, so that a crash here leaves no entry to reload
      deleteQuietly(data);
      usedBytes.addAndGet(-footprint);
    });
  }

  /**
   * Makes room for {@code bytes} (and {@code diskBytes} on the filesystem) and reserves it,
   * evicting idle entries coldest first. False when the bytes cannot fit: larger than the cache,
   * or the rest is being read or downloaded, or the filesystem holds less than the capacity says.
   */
  private boolean reserve(long bytes, long diskBytes) {
    if (bytes > capacity) {
      return false;
    }
    synchronized (admission) {
      if (bytes > capacity - pinnedBytes.get()) {
        return false; // pinned copies hold the rest: evicting the others would not make room
      }
      if (diskFree() + reclaimable() < diskBytes) {
        return false; // even emptying the cache would not make room: keep what it holds
      }
      while (usedBytes.get() + bytes > capacity || diskFree() < diskBytes) {
        if (!evictColdestIdle()) {
          return false;
        }
      }
      usedBytes.addAndGet(bytes);
      unwritten.addAndGet(diskBytes);
      return true;
    }
  }

  /**
   * Room on the filesystem for a scratch copy, which is outside the capacity but on the same
   * disk: evicts idle entries while the disk is short. False when it still cannot fit.
   */
  private boolean reserveScratch(long diskBytes) {
    synchronized (admission) {
      if (diskFree() + reclaimable() < diskBytes) {
        return false;
      }
      while (diskFree() < diskBytes) {
        if (!evictColdestIdle()) {
          return false;
        }
      }
      unwritten.addAndGet(diskBytes);
      return true;
    }
  }

  /** At most what evicting every entry could free on the disk (whole blocks, sidecars too). */
  private long reclaimable() {
    return usedBytes.get() + index.estimatedSize() * 2 * blockSize;
  }

  /** The filesystem's usable space less what writes under way have reserved and not written. */
  private long diskFree() {
    return usableSpace.getAsLong() - unwritten.get();
  }

  private boolean evictColdestIdle() {
    Optional<Policy.CacheEntry<CacheKey, CachedFile>> victim = evictionOrder.coldest(
        entries -> entries.filter(e -> e.getValue().idle() && !e.getValue().pinned()).findFirst());
    if (victim.isEmpty()) {
      return false;
    }
    CacheKey key = victim.get().getKey();
    CachedFile file = victim.get().getValue();
    // The victim may have been invalidated or replaced since the snapshot, its index reference
    // released and refs == 1 now a reader's. So the index's mapping to this very file is checked,
    // and the file claimed, inside the index's atomic operation on the key: against invalidate and
    // put, exactly one party removes the file and releases the index's reference. Against hits,
    // either a reader retained it first and it stays, or no reader can retain it any more.
    boolean[] claimed = {false};
    index.asMap().computeIfPresent(key, (k, current) -> {
      if (current != file || file.pinned() || !file.tryClaimIdle()) {
        return current;
      }
      claimed[0] = true;
      return null;
    });
    if (claimed[0]) {
      file.deleteClaimed(); // outside the index's lock: it deletes files and closes the attachment
      evictions.increment();
    }
    return true;
  }

  private void reload() throws IOException {
    long kept = 0;
    try (DirectoryStream<Path> listing = Files.newDirectoryStream(objects)) {
      for (Path file : listing) {
        String name = file.getFileName().toString();
        if (name.endsWith(SIDECAR)) {
          kept += reloadEntry(file, name.substring(0, name.length() - SIDECAR.length())) ? 1 : 0;
        } else if (!name.endsWith(DATA)
            || !Files.exists(objects.resolve(name.replace(DATA, SIDECAR)))) {
          deleteQuietly(file); // a data file whose sidecar was never written: incomplete
        }
      }
    }
    synchronized (admission) {
      while (usedBytes.get() > capacity && evictColdestIdle()) {
        // the capacity shrank since the last run
      }
    }
    if (kept > 0) {
      LOG.info("cache reloaded {} entries ({} bytes) from {}", kept, usedBytes.get(), objects);
    }
  }

  private boolean reloadEntry(Path meta, String name) {
    Path data = objects.resolve(name + DATA);
    try {
      byte[] bytes = Files.readAllBytes(meta);
      Sidecar sidecar = JSON.readValue(bytes, Sidecar.class);
      CacheKey key = new CacheKey(sidecar.path(), sidecar.etag());
      if (name.startsWith(key.fileName() + "-") && Files.size(data) == sidecar.size()) {
        long footprint = sidecar.size() + bytes.length;
        usedBytes.addAndGet(footprint);
        CachedFile previous = index(key, admittedFile(key, data, meta, footprint));
        restored.put(key.path(), new ObjectVersion(key.etag(), sidecar.size()));
        if (previous != null) {
          previous.release(); // two copies of one key survived a crash: keep one
        }
        return true;
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("discarding unreadable cache entry {}: {}", meta, e.toString());
    }
    deleteQuietly(meta);
    deleteQuietly(data);
    return false;
  }

  /** The bound in bytes: {@code --cache-size}, or what {@link #resize} set since. */
  public long capacityBytes() {
    return capacity;
  }

  /**
   * Maps {@code key} to {@code file} in the index, marked pinned if its path is; returns the copy
   * it replaced, whose index reference the caller releases, or null. The pin set is read inside
   * the index's atomic operation on the key, so a concurrent pin or unpin of the path either
   * finds this copy in its scan or is seen here.
   */
  private CachedFile index(CacheKey key, CachedFile file) {
    CachedFile[] replaced = {null};
    index.asMap().compute(key, (k, current) -> {
      if (current != null) {
        unindexed(current);
        replaced[0] = current;
      }
      markPinned(file, pins.contains(k.path()));
      return file;
    });
    return replaced[0];
  }

  /** Only inside the index's atomic operation on the file's key, while the index maps it. */
  private void markPinned(CachedFile file, boolean pinned) {
    if (file.pinned() != pinned) {
      file.pinned(pinned);
      long sign = pinned ? 1 : -1;
      pinnedBytes.addAndGet(sign * file.footprint());
      pinnedEntries.addAndGet(sign);
    }
  }

  /** By whoever removed {@code file} from the index, once. */
  private void unindexed(CachedFile file) {
    if (file.pinned()) {
      pinnedBytes.addAndGet(-file.footprint());
      pinnedEntries.decrementAndGet();
    }
  }

  /**
   * Pins these paths: recorded in {@code pins.json} first, then their copies in the index are
   * marked, and copies admitted later are marked as they enter. A pinned copy is never evicted to
   * make room, and its bytes count against the bound. Pinning downloads nothing: the caller
   * reads each path afterwards (a path can be pinned before anything of it is cached).
   *
   * @throws java.io.UncheckedIOException when pins.json cannot be written; nothing changed
   */
  public void pin(Collection<String> paths) {
    synchronized (pinning) {
      pins.add(paths);
      mark(new HashSet<>(paths), true);
    }
  }

  /**
   * Unpins the pinned paths that {@code matching} selects and returns them; their copies become
   * ordinary entries again, evicted in their turn.
   */
  public List<String> unpin(Predicate<String> matching) {
    synchronized (pinning) {
      List<String> removed = pins.remove(matching);
      mark(new HashSet<>(removed), false);
      return removed;
    }
  }

  /** Marks (or unmarks) every indexed copy of these paths; Caffeine re-weighs each. */
  private void mark(Set<String> paths, boolean pinned) {
    if (paths.isEmpty()) {
      return;
    }
    for (CacheKey key : index.asMap().keySet()) { // weakly consistent: later admissions mark themselves
      if (paths.contains(key.path())) {
        index.asMap().computeIfPresent(key, (k, file) -> {
          markPinned(file, pinned);
          return file;
        });
      }
    }
  }

  public boolean isPinned(String path) {
    return pins.contains(path);
  }

  /** Paths pinned, whether or not a copy of each is cached now. */
  public int pinnedPaths() {
    return pins.size();
  }

  /** Bytes on disk of the pinned copies in the index: part of {@link #usedBytes}. */
  public long pinnedBytes() {
    return pinnedBytes.get();
  }

  /** Copies in the index that are pinned. */
  public long pinnedEntries() {
    return pinnedEntries.get();
  }

  /**
   * What {@link #evict} dropped: the keys (for the other tiers to drop too), their bytes, how many
   * were being read (deleted when their readers finish), the pinned paths it left and, with
   * force, the paths it unpinned.
   */
  public record Evicted(List<CacheKey> keys, long bytes, long inUse, List<String> skippedPinned,
      List<String> unpinned) {}

  /**
   * Drops every copy whose path {@code matching} selects from the index, except pinned ones:
   * with {@code force} their paths are unpinned first and they go too. A copy being read stays on
   * disk until its last reader finishes, as with any eviction. Downloads under way are not
   * stopped: what they fetch is admitted when they finish.
   */
  public Evicted evict(Predicate<String> matching, boolean force) {
    List<String> unpinned = force ? unpin(matching) : List.of();
    List<CacheKey> keys = new ArrayList<>();
    Set<String> skipped = new TreeSet<>();
    long bytes = 0;
    long inUse = 0;
    for (CacheKey key : index.asMap().keySet()) {
      if (!matching.test(key.path())) {
        continue;
      }
      CachedFile[] removed = {null};
      boolean[] pinned = {false};
      index.asMap().computeIfPresent(key, (k, file) -> {
        if (file.pinned()) {
          pinned[0] = true;
          return file;
        }
        unindexed(file);
        removed[0] = file;
        return null;
      });
      if (pinned[0]) {
        skipped.add(key.path());
      } else if (removed[0] != null) {
        keys.add(key);
        bytes += removed[0].footprint();
        inUse += removed[0].idle() ? 0 : 1; // refs beyond the index's: readers
        removed[0].release(); // the index's reference: we removed it
      }
    }
    return new Evicted(keys, bytes, inUse, List.copyOf(skipped), unpinned);
  }

  /**
   * Sets the bound to {@code newCapacity} and evicts down to it at once: idle copies coldest
   * first, then (through Caffeine's bound) copies being read, whose bytes go when their readers
   * finish. Pinned copies stay. Returns the bound before.
   *
   * @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT for a bound of 0 or
   *     less, or below the pinned bytes
   */
  public long resize(long newCapacity) {
    synchronized (pinning) {
      synchronized (admission) {
        long pinned = pinnedBytes.get();
        if (newCapacity <= 0 || newCapacity < pinned) {
          throw Errors.invalid("the disk bound must be above 0 and at least the pinned bytes "
              + "(%d in %d copies); got %d: unpin first, or give a larger bound", pinned,
              pinnedEntries.get(), newCapacity);
        }
        long old = capacity;
        capacity = newCapacity;
        while (usedBytes.get() > newCapacity && evictColdestIdle()) {
          // each round drops the coldest idle, unpinned copy
        }
        evictionOrder.setMaximum(newCapacity);
        return old;
      }
    }
  }

  /** Bytes on disk: admitted files, evicted files still being read, and reserved downloads. */
  public long usedBytes() {
    return usedBytes.get();
  }

  public long entries() {
    return index.estimatedSize();
  }

  /**
   * The version of {@code path} that a previous run left in the cache, if it is still cached;
   * handed out once per path, so that the caller's own record of versions takes over from there.
   */
  public Optional<ObjectVersion> takeRestored(String path) {
    ObjectVersion version = restored.remove(path);
    return version != null && contains(new CacheKey(path, version.etag()))
        ? Optional.of(version) : Optional.empty();
  }

  /** One admitted object, as {@link #snapshot} lists it: its key and its bytes on disk. */
  public record Entry(CacheKey key, long bytes) {}

  /**
   * The admitted objects whose path starts with {@code prefix}, at the moment of the call (each
   * entry was admitted when it was read; one may be evicted just after). Lock-free: it reads the
   * index's concurrent view and the data files' sizes; a file deleted meanwhile is left out.
   */
  public List<Entry> snapshot(String prefix) {
    List<Entry> entries = new java.util.ArrayList<>();
    index.asMap().forEach((key, file) -> {
      if (key.path().startsWith(prefix)) {
        try {
          entries.add(new Entry(key, Files.size(file.data())));
        } catch (IOException gone) {
          // evicted and deleted while we listed: no longer cached
        }
      }
    });
    return entries;
  }

  public boolean contains(CacheKey key) {
    return index.getIfPresent(key) != null;
  }

  public long hits() {
    return hits.sum();
  }

  public long misses() {
    return misses.sum();
  }

  public long bypasses() {
    return bypasses.sum();
  }

  public long downloads() {
    return downloadsStarted.sum();
  }

  public long evictions() {
    return evictions.sum();
  }

  /** Bytes of object bodies read by downloads (from the store, or a peer's hand-off). */
  public long downloadedBytes() {
    return downloadedBytes.sum();
  }

  /** Downloads under way: one per path, however many reads wait on it. */
  public int downloadsInFlight() {
    return downloads.size();
  }

  /** The kinds {@link #downloadFailures} counts: a Flight status name, IO or OTHER. */
  public static final List<String> FAILURE_KINDS = List.of("NOT_FOUND", "UNAVAILABLE",
      "UNAUTHORIZED", "UNAUTHENTICATED", "RESOURCE_EXHAUSTED", "INVALID_ARGUMENT", "IO", "OTHER");

  /** Downloads that failed with this kind of error (one of {@link #FAILURE_KINDS}). */
  public long downloadFailures(String kind) {
    LongAdder count = downloadFailures.get(kind);
    return count == null ? 0 : count.sum();
  }

  private static String failureKind(Throwable failure) {
    Throwable cause = Errors.unwrap(failure);
    if (cause instanceof org.apache.arrow.flight.FlightRuntimeException flight) {
      String name = flight.status().code().name();
      return FAILURE_KINDS.contains(name) ? name : "OTHER";
    }
    return cause instanceof IOException ? "IO" : "OTHER";
  }

  /**
   * Fails the downloads still waiting to run and forgets the index; the files stay on disk for
   * the next run to reload. What was opened on a file is closed now if nobody reads it, else when
   * its last reader is done.
   */
  @Override
  public void close() {
    closed = true;
    for (String path : List.copyOf(downloads.keySet())) {
      Download download = downloads.get(path);
      if (download != null) {
        fail(path, download, Errors.unavailable("the node is shutting down; retry on another node"));
      }
    }
    for (CacheKey key : List.copyOf(index.asMap().keySet())) {
      CachedFile file = index.asMap().remove(key);
      if (file != null) {
        unindexed(file);
        file.retire(); // the index's reference, released without deleting the file
      }
    }
  }

  private static void force(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.force(true);
    }
  }

  private static void deleteContents(Path directory) throws IOException {
    try (DirectoryStream<Path> listing = Files.newDirectoryStream(directory)) {
      for (Path file : listing) {
        deleteQuietly(file);
      }
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("cannot delete {}: {}", file, e.toString());
    }
  }
}
