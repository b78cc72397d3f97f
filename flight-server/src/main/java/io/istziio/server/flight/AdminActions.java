package io.istziio.server.flight;

import io.istziio.client.protocol.Actions;
import io.istziio.client.protocol.DrainResult;
import io.istziio.client.protocol.EvictRequest;
import io.istziio.client.protocol.EvictResult;
import io.istziio.client.protocol.PinRequest;
import io.istziio.client.protocol.PinResult;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.client.protocol.ResizeRequest;
import io.istziio.client.protocol.ResizeResult;
import io.istziio.client.protocol.WarmRequest;
import io.istziio.ring.Member;
import io.istziio.server.Errors;
import io.istziio.server.cache.DiskCache;
import io.istziio.server.cache.Lease;
import io.istziio.server.dataset.DatasetFile;
import io.istziio.server.dataset.DatasetLister;
import io.istziio.server.dataset.PathSelector;
import io.istziio.server.memory.MemoryTier;
import io.istziio.server.store.ObjectPath;
import io.istziio.server.store.ObjectStore;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.FlightProducer.CallContext;
import org.apache.arrow.flight.FlightProducer.StreamListener;
import org.apache.arrow.flight.Result;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin actions: evict, warm, pin, unpin, resize and drain (see {@link Actions} and the
 * README's "Admin actions"). Each acts on this node, but warm, which routes each object to its
 * owners (see {@link Warming}); the CLI routes the others.
 */
public final class AdminActions {

  private static final Logger LOG = LoggerFactory.getLogger(AdminActions.class);

  /** Each admin action and its one-line description, as ListActions shows them. */
  static final Map<String, String> DESCRIPTIONS = descriptions();

  /**
   * What the node gives its admin actions beyond the producer's parts.
   *
   * @param store the object stores, to check that one object to warm exists
   * @param missThreads the node's download threads; a warm or pin runs half of them at most
   * @param drain how long a draining node keeps serving after it left the ring
   * @param stop starts stopping the node on a thread of its own ({@code Node.close}), called once
   *     the drain action has answered
   */
  public record Settings(ObjectStore store, int missThreads, Duration drain, Runnable stop) {}

  private final Supplier<Member> self;
  private final DiskCache disk;
  private final MemoryTier memory;
  private final DatasetLister datasets;
  private final LocalCopies copies;
  private final Warming warming;
  private final Settings settings;
  private final AtomicBoolean draining = new AtomicBoolean();

  AdminActions(Supplier<Member> self, LocalCopies copies, Warming warming, DiskCache disk,
      MemoryTier memory, DatasetLister datasets, Settings settings) {
    this.self = self;
    this.copies = copies;
    this.warming = warming;
    this.disk = disk;
    this.memory = memory;
    this.datasets = datasets;
    this.settings = settings;
  }

  /** Downloads one warm or pin runs at once here, unless the request says: half the miss threads. */
  static int defaultConcurrency(int missThreads) {
    return Math.max(1, missThreads / 2);
  }

  private static Map<String, String> descriptions() {
    Map<String, String> map = new LinkedHashMap<>();
    map.put(Actions.EVICT, "drop cached copies from this node's disk and memory tiers: "
        + "{\"path\": object|prefix/|glob} or {\"paths\": [...]}, \"force\" to evict pinned ones");
    map.put(Actions.WARM, "download objects into their owners' disk caches, one result per copy: "
        + "{\"path\": object|prefix/|glob} or {\"paths\": [...]}, \"primary_only\", \"concurrency\"");
    map.put(Actions.PIN, "keep objects in this node's disk cache whatever else is read, "
        + "downloading them first: {\"path\": object|prefix/|glob} or {\"paths\": [...]}");
    map.put(Actions.UNPIN, "let pinned objects be evicted again: {\"path\": object|prefix/|glob} "
        + "or {\"paths\": [...]}");
    map.put(Actions.RESIZE, "change this node's bounds, evicting down at once: "
        + "{\"disk_bytes\": N, \"memory_bytes\": N}");
    map.put(Actions.DRAIN, "leave the ring, finish the running streams and stop this node");
    return java.util.Collections.unmodifiableMap(map);
  }

  static boolean handles(String type) {
    return DESCRIPTIONS.containsKey(type);
  }

  /** Answers one admin action on {@code listener}, errors included. */
  void run(CallContext context, Action action, StreamListener<Result> listener) {
    String type = action.getType();
    try {
      byte[] body = action.getBody();
      switch (type) {
        case Actions.EVICT -> answer(listener, evict(EvictRequest.parse(body)).toJsonBytes());
        case Actions.WARM -> {
          warming.run(WarmRequest.parse(body), context::isCancelled,
              progress -> listener.onNext(new Result(progress.toJsonBytes())));
          listener.onCompleted();
        }
        case Actions.PIN -> answer(listener, pin(PinRequest.parse(body, type)).toJsonBytes());
        case Actions.UNPIN -> answer(listener, unpin(PinRequest.parse(body, type)).toJsonBytes());
        case Actions.RESIZE -> answer(listener, resize(ResizeRequest.parse(body)).toJsonBytes());
        case Actions.DRAIN -> drain(body, listener);
        default -> throw new IllegalStateException("not an admin action: " + type);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      listener.onError(Errors.unavailable("the node is shutting down; %s was cut short", type));
    } catch (Exception e) {
      listener.onError(Errors.toFlight(e, "DoAction " + type));
    }
  }

  private static void answer(StreamListener<Result> listener, byte[] body) {
    listener.onNext(new Result(body));
    listener.onCompleted();
  }

  private String id() {
    return self.get().id();
  }

  private EvictResult evict(EvictRequest request) {
    Predicate<String> matching = selector(request.path(), request.paths());
    DiskCache.Evicted evicted = disk.evict(matching, request.forced());
    Set<String> skipped = new HashSet<>(evicted.skippedPinned());
    long memoryEntries = 0;
    long memoryBytes = 0;
    for (MemoryTier.Entry entry : memory.snapshot("")) {
      String path = entry.key().path();
      if (matching.test(path) && !skipped.contains(path) && !disk.isPinned(path)) {
        memory.invalidate(entry.key());
        memoryEntries++;
        memoryBytes += entry.bytes();
      }
    }
    LOG.info("evict {}: {} disk copies ({} bytes), {} memory files; {} pinned paths skipped, {} "
        + "unpinned", target(request.path(), request.paths()), evicted.keys().size(),
        evicted.bytes(), memoryEntries, skipped.size(), evicted.unpinned().size());
    return new EvictResult(id(), evicted.keys().size(), evicted.bytes(), evicted.inUse(),
        memoryEntries, memoryBytes, evicted.skippedPinned(), evicted.unpinned().size());
  }

  /**
   * Pins the objects named (a prefix or glob is listed in the store), then reads each into the
   * disk cache, half the miss threads at a time. A path that cannot be copied (missing, too large
   * for what pins leave) is unpinned again and the action fails with its status, saying how many
   * were pinned.
   */
  private PinResult pin(PinRequest request) throws InterruptedException {
    List<String> paths = objects(request.path(), request.paths());
    try {
      disk.pin(paths);
    } catch (UncheckedIOException e) {
      throw Errors.resourceExhausted("cannot record the pins in the cache directory (%s); check "
          + "its disk", Errors.firstLine(e.getCause()));
    }
    List<LocalCopies.Copy> failed = new ArrayList<>();
    long[] bytes = {0};
    int[] downloaded = {0};
    copies.copy(paths, defaultConcurrency(settings.missThreads()), () -> false, copy -> {
      if (copy.failure() != null) {
        failed.add(copy);
      } else {
        bytes[0] += copy.bytes();
        Lease.Outcome outcome = copy.outcome();
        downloaded[0] += outcome == Lease.Outcome.MISS || outcome == Lease.Outcome.PEER ? 1 : 0;
      }
    });
    if (!failed.isEmpty()) {
      Set<String> unpin = new HashSet<>();
      failed.forEach(copy -> unpin.add(copy.path()));
      disk.unpin(unpin::contains);
      LocalCopies.Copy first = failed.get(0);
      throw first.failure().status().withDescription(String.format("%d of %d paths pinned; %d "
              + "could not be copied and stay unpinned, first %s: %s", paths.size() - failed.size(),
              paths.size(), failed.size(), Errors.shorten(first.path()),
              first.failure().status().description()))
          .toRuntimeException();
    }
    LOG.info("pinned {} ({} paths, {} downloaded); {} bytes pinned in all",
        target(request.path(), request.paths()), paths.size(), downloaded[0], disk.pinnedBytes());
    return new PinResult(id(), paths.size(), bytes[0], downloaded[0], disk.pinnedEntries(),
        disk.pinnedBytes());
  }

  private PinResult unpin(PinRequest request) {
    List<String> removed = disk.unpin(selector(request.path(), request.paths()));
    Set<String> unpinned = new HashSet<>(removed);
    long bytes = disk.snapshot("").stream().filter(entry -> unpinned.contains(entry.key().path()))
        .mapToLong(DiskCache.Entry::bytes).sum();
    LOG.info("unpinned {} ({} paths)", target(request.path(), request.paths()), removed.size());
    return new PinResult(id(), removed.size(), bytes, 0, disk.pinnedEntries(), disk.pinnedBytes());
  }

  private ResizeResult resize(ResizeRequest request) {
    long oldDisk = disk.capacityBytes();
    if (request.diskBytes() != null) {
      oldDisk = disk.resize(request.diskBytes());
    }
    long oldMemory = memory.capacityBytes();
    if (request.memoryBytes() != null) {
      oldMemory = memory.resize(request.memoryBytes());
    }
    ResizeResult result = new ResizeResult(id(),
        new ResizeResult.Tier(oldDisk, disk.capacityBytes(), disk.usedBytes(), disk.pinnedBytes()),
        new ResizeResult.Tier(oldMemory, memory.capacityBytes(), memory.usedBytes(), 0));
    LOG.info("resized: disk {} -> {} bytes ({} used), memory {} -> {} bytes ({} used)", oldDisk,
        result.disk().newBytes(), result.disk().usedBytes(), oldMemory,
        result.memory().newBytes(), result.memory().usedBytes());
    return result;
  }

  /** Answers first, then starts stopping: the answer must leave before the server shuts down. */
  private void drain(byte[] body, StreamListener<Result> listener) {
    if (body != null && body.length > 0 && !new String(body, java.nio.charset.StandardCharsets.UTF_8)
        .strip().equals("{}")) {
      throw Errors.invalid("drain takes no body (or {}); it stops the node it is sent to");
    }
    boolean first = draining.compareAndSet(false, true);
    answer(listener, new DrainResult(id(), settings.drain().toMillis(), !first).toJsonBytes());
    if (first) {
      LOG.info("drain asked: leaving the ring, serving {} ms more, then stopping",
          settings.drain().toMillis());
      settings.stop().run();
    }
  }

  /**
   * The objects a pin names: one object as it is, a prefix or glob listed in the store, a
   * {@code paths} list checked.
   */
  private List<String> objects(String path, List<String> paths) {
    if (path != null && !path.endsWith("/") && path.indexOf('*') < 0) {
      ObjectPath.parse(path);
      return List.of(path);
    }
    ReadTicket listing = paths != null ? ReadTicket.ofPaths(paths) : ReadTicket.of(path);
    return datasets.files(listing).stream().map(DatasetFile::path).toList();
  }

  /** Which held paths a request selects (see {@link PathSelector}). */
  private static Predicate<String> selector(String path, List<String> paths) {
    if (paths != null) {
      paths.forEach(ObjectPath::parse);
      return PathSelector.ofPaths(paths);
    }
    return PathSelector.of(path);
  }

  private static String target(String path, List<String> paths) {
    return path != null ? Errors.shorten(path) : paths.size() + " paths";
  }
}
