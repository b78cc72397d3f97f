package io.istziio.server.dataset;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.server.Errors;
import io.istziio.server.store.ListedObject;
import io.istziio.server.store.ObjectPath;
import io.istziio.server.store.ObjectStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files of a dataset ticket, sorted by path: a prefix or glob is listed with the node's own
 * store credentials, a {@code paths} list is taken as it is. A listing is kept for the node's
 * freshness interval (the rule objects' versions follow), so the GetFlightInfos of one query do
 * not list again; with freshness zero every call lists. When the store cannot be reached
 * (UNAVAILABLE) to list again, the last listing is answered, as a cached object's last version is
 * served while the store is down; it is kept, within the same bound on files, until the next
 * listing succeeds.
 */
public final class DatasetLister {

  private static final Logger LOG = LoggerFactory.getLogger(DatasetLister.class);

  /** The most files a dataset may have. */
  public static final int MAX_FILES = ReadTicket.MAX_PATHS;
  /** The most files all cached listings hold together. */
  private static final long CACHED_FILES = 1_000_000;

  private final ObjectStore store;
  private final Cache<String, List<DatasetFile>> listings;
  /** Each path's last listing, fresh or not; null with freshness zero. */
  private final Cache<String, List<DatasetFile>> lastListings;

  public DatasetLister(ObjectStore store, Duration freshness) {
    this.store = store;
    this.listings = freshness.isZero() ? null : Caffeine.newBuilder()
        .expireAfterWrite(freshness)
        .maximumWeight(CACHED_FILES)
        .<String, List<DatasetFile>>weigher((path, files) -> Math.max(1, files.size()))
        .build();
    this.lastListings = freshness.isZero() ? null : Caffeine.newBuilder()
        .maximumWeight(CACHED_FILES)
        .<String, List<DatasetFile>>weigher((path, files) -> Math.max(1, files.size()))
        .build();
  }

  /**
   * @throws org.apache.arrow.flight.FlightRuntimeException NOT_FOUND when a prefix or glob finds
   *     nothing or its bucket is missing; INVALID_ARGUMENT past {@link #MAX_FILES} or for a bad
   *     path; the store's errors otherwise (UNAVAILABLE only when no earlier listing of the path
   *     is kept)
   */
  public List<DatasetFile> files(ReadTicket ticket) {
    if (ticket.paths() != null) {
      return listed(ticket.paths());
    }
    if (listings == null) {
      return list(ticket.path());
    }
    try {
      return listings.get(ticket.path(), path -> {
        List<DatasetFile> files = list(path);
        lastListings.put(path, files);
        return files;
      });
    } catch (FlightRuntimeException e) {
      List<DatasetFile> last = e.status().code() == FlightStatusCode.UNAVAILABLE
          ? lastListings.getIfPresent(ticket.path()) : null;
      if (last == null) {
        throw e;
      }
      LOG.warn("listing {} again failed ({}); answering its last listing, {} files",
          ticket.path(), e.getMessage(), last.size());
      return last;
    }
  }

  private List<DatasetFile> list(String path) {
    DatasetPath dataset = DatasetPath.parse(path);
    String base = dataset.listing().keyPrefix();
    List<ListedObject> objects = store.list(dataset.listing(), dataset.belongs(), MAX_FILES);
    if (objects.size() > MAX_FILES) {
      throw Errors.invalid("%s holds more than %d files; a dataset may have at most %d: read it "
          + "in parts with longer prefixes or narrower globs", path, MAX_FILES, MAX_FILES);
    }
    if (objects.isEmpty()) {
      throw Errors.notFound(path.indexOf('*') >= 0
          ? "the glob %s matches no object (listed %s); check the pattern"
          : "the prefix %s holds no object (listed %s); check the path", path,
          base.isEmpty() ? "the whole bucket" : base);
    }
    List<DatasetFile> files = new ArrayList<>();
    for (ListedObject object : objects) {
      files.add(new DatasetFile(object.path(), object.key().substring(base.length()), object.bytes()));
    }
    files.sort(Comparator.comparing(DatasetFile::path));
    return List.copyOf(files);
  }

  /** A {@code paths} list: each a literal object path, below their longest common directory. */
  private static List<DatasetFile> listed(List<String> paths) {
    List<String> keys = new ArrayList<>();
    for (String path : paths) {
      ObjectPath object = ObjectPath.parse(path); // each must name one object
      keys.add(object.scheme() + ":" + object.bucket() + "/" + object.key());
    }
    String common = keys.get(0).substring(0, keys.get(0).lastIndexOf('/') + 1);
    for (String key : keys) {
      while (!key.startsWith(common)) {
        common = common.substring(0, common.lastIndexOf('/', common.length() - 2) + 1);
      }
    }
    List<DatasetFile> files = new ArrayList<>();
    for (int i = 0; i < paths.size(); i++) {
      files.add(new DatasetFile(paths.get(i), keys.get(i).substring(common.length()), -1));
    }
    files.sort(Comparator.comparing(DatasetFile::path));
    return files;
  }
}
