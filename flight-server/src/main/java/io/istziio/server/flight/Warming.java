package io.istziio.server.flight;

import io.istziio.client.FlightClientPool;
import io.istziio.client.protocol.Actions;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.client.protocol.WarmProgress;
import io.istziio.client.protocol.WarmRequest;
import io.istziio.ring.Member;
import io.istziio.server.Errors;
import io.istziio.server.cache.Lease;
import io.istziio.server.dataset.DatasetFile;
import io.istziio.server.dataset.DatasetLister;
import io.istziio.server.store.ObjectPath;
import io.istziio.server.store.ObjectStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.Result;

/**
 * The warm action. Asked of any node, it lists the objects (as a dataset is listed), finds each
 * object's owners in its ring view (all of them, or the primary only), and has every owner copy
 * its share into its disk cache: its own share here, the others' through a {@code warm} with
 * {@code "local": true} sent to each owner, at most {@link #CHUNK} paths a call. It streams one
 * {@link WarmProgress} per copy, as copies finish, numbered over the whole warm.
 */
final class Warming {

  /** Paths per forwarded call: keeps each body far below gRPC's message limit. */
  static final int CHUNK = 1_000;
  /** Owners served at once by one warm (each runs its own bounded downloads). */
  private static final int OWNERS_AT_ONCE = 16;

  private final Supplier<Member> self;
  private final LocalCopies copies;
  private final DatasetLister datasets;
  private final ObjectStore store;
  private final Function<String, List<Member>> owners;
  private final FlightClientPool peers;
  private final int defaultConcurrency;

  /**
   * @param owners a path's owners in this node's ring view, primary first
   * @param defaultConcurrency downloads an owner runs at once when the request does not say
   */
  Warming(Supplier<Member> self, LocalCopies copies, DatasetLister datasets, ObjectStore store,
      Function<String, List<Member>> owners, FlightClientPool peers, int defaultConcurrency) {
    this.self = self;
    this.copies = copies;
    this.datasets = datasets;
    this.store = store;
    this.owners = owners;
    this.peers = peers;
    this.defaultConcurrency = defaultConcurrency;
  }

  /**
   * Runs a warm, handing each result to {@code emit} on the calling thread.
   *
   * @throws org.apache.arrow.flight.FlightRuntimeException before any result: NOT_FOUND for one
   *     object the store does not have or a prefix or glob that finds nothing, INVALID_ARGUMENT
   *     for a bad path
   */
  void run(WarmRequest request, BooleanSupplier cancelled, Consumer<WarmProgress> emit)
      throws InterruptedException {
    int concurrency = request.concurrency() != null ? request.concurrency() : defaultConcurrency;
    if (request.hereOnly()) {
      for (String path : request.paths()) {
        ObjectPath.parse(path); // a bad path is the request's fault: refuse it before any copy
      }
      AtomicInteger done = new AtomicInteger();
      int total = request.paths().size();
      copies.copy(request.paths(), concurrency, cancelled,
          copy -> emit.accept(progress(copy).numbered(done.incrementAndGet(), total)));
      return;
    }
    Map<Member, List<String>> plan = plan(files(request), request.primariesOnly());
    int total = plan.values().stream().mapToInt(List::size).sum();
    BlockingQueue<WarmProgress> finished = new LinkedBlockingQueue<>();
    AtomicInteger threads = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(OWNERS_AT_ONCE, plan.size()),
        runnable -> {
          Thread thread = new Thread(runnable, "istziio-warm-" + threads.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
    try {
      plan.forEach((owner, paths) -> pool.execute(() -> {
        try {
          warmAt(owner, paths, concurrency, cancelled, finished::add);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt(); // the warm was cancelled
        }
      }));
      for (int done = 0; done < total; ) {
        WarmProgress next = finished.poll(200, TimeUnit.MILLISECONDS);
        if (next != null) {
          emit.accept(next.numbered(++done, total));
        } else if (cancelled.getAsBoolean()) {
          return;
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** The objects of a warm: one object (checked with the store first), else a listing. */
  private List<String> files(WarmRequest request) {
    if (request.path() != null && !request.path().endsWith("/")
        && request.path().indexOf('*') < 0) {
      store.stat(ObjectPath.parse(request.path())); // NOT_FOUND now rather than as a result
      return List.of(request.path());
    }
    ReadTicket listing = request.paths() != null ? ReadTicket.ofPaths(request.paths())
        : ReadTicket.of(request.path());
    return datasets.files(listing).stream().map(DatasetFile::path).toList();
  }

  /** Each owner's share, in path order; an object goes to all its owners or its primary. */
  private Map<Member, List<String>> plan(List<String> files, boolean primaryOnly) {
    Map<String, Member> byId = new LinkedHashMap<>();
    Map<Member, List<String>> plan = new LinkedHashMap<>();
    for (String path : files) {
      List<Member> owning = owners.apply(path);
      for (Member owner : primaryOnly ? owning.subList(0, Math.min(1, owning.size())) : owning) {
        Member known = byId.computeIfAbsent(owner.id(), id -> owner);
        plan.computeIfAbsent(known, m -> new ArrayList<>()).add(path);
      }
    }
    return plan;
  }

  /**
   * One owner's share: copied here if the owner is this node, else asked of it a chunk at a time.
   * An owner that fails (unreachable, stopping) gets a failed result for each path it has not
   * answered, so the warm always ends with one result per copy.
   */
  private void warmAt(Member owner, List<String> paths, int concurrency, BooleanSupplier cancelled,
      Consumer<WarmProgress> finished) throws InterruptedException {
    Member me = self.get();
    if (me != null && owner.id().equals(me.id())) {
      copies.copy(paths, concurrency, cancelled, copy -> finished.accept(progress(copy)));
      return;
    }
    for (int from = 0; from < paths.size(); from += CHUNK) {
      if (cancelled.getAsBoolean()) {
        return;
      }
      List<String> chunk = paths.subList(from, Math.min(paths.size(), from + CHUNK));
      Set<String> answered = new HashSet<>();
      String error = "node " + owner.id() + " ended its answer without it";
      try {
        Iterator<Result> results = peers.get(owner.location()).doAction(new Action(Actions.WARM,
            WarmRequest.localPart(chunk, concurrency).toJsonBytes()));
        while (results.hasNext()) {
          WarmProgress result = WarmProgress.fromJson(results.next().getBody());
          if (answered.add(result.path())) {
            finished.accept(result);
          }
        }
      } catch (RuntimeException e) {
        FlightRuntimeException failure = Errors.toFlight(e, "warm at " + owner.id());
        if (failure.status().code() == FlightStatusCode.UNAVAILABLE) {
          peers.evict(owner.location());
        }
        error = "node " + owner.id() + " did not warm it: " + LocalCopies.describe(failure);
      }
      for (String path : chunk) { // one result per copy, whatever the owner did
        if (!answered.contains(path)) {
          finished.accept(new WarmProgress(path, owner.id(), 0, WarmProgress.FAILED, error, 0, 0));
        }
      }
    }
  }

  private WarmProgress progress(LocalCopies.Copy copy) {
    String node = self.get().id();
    if (copy.failure() != null) {
      return new WarmProgress(copy.path(), node, 0, WarmProgress.FAILED,
          LocalCopies.describe(copy.failure()), 0, 0);
    }
    return new WarmProgress(copy.path(), node, copy.bytes(),
        copy.outcome() == Lease.Outcome.HIT ? WarmProgress.CACHED : WarmProgress.DOWNLOADED, null,
        0, 0);
  }
}
