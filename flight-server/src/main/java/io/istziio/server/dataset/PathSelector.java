package io.istziio.server.dataset;

import io.istziio.server.store.ObjectPath;
import java.util.Collection;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which object paths an admin request selects among those a node holds (its cached copies, its
 * pins), without listing the store: one object's exact path; a prefix ending in {@code /}: every
 * path starting with it; a glob: the paths a dataset listing would match (see {@link
 * DatasetPath}); a {@code paths} list: those paths.
 */
public final class PathSelector {

  private PathSelector() {}

  /**
   * @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT for a path that is
   *     no object, prefix or glob of a store the node reads
   */
  public static Predicate<String> of(String path) {
    if (path.indexOf('*') >= 0) {
      DatasetPath glob = DatasetPath.parse(path);
      return candidate -> matchesGlob(glob, candidate);
    }
    if (path.endsWith("/")) {
      DatasetPath.parse(path); // checks the scheme and bucket
      return candidate -> candidate.startsWith(path);
    }
    ObjectPath.parse(path);
    return path::equals;
  }

  /** Exactly these paths (each an object: the caller has checked them). */
  public static Predicate<String> ofPaths(Collection<String> paths) {
    Set<String> set = Set.copyOf(paths);
    return set::contains;
  }

  private static boolean matchesGlob(DatasetPath glob, String candidate) {
    ObjectPath object;
    try {
      object = ObjectPath.parse(candidate);
    } catch (RuntimeException notAnObject) {
      return false;
    }
    String prefix = glob.listing().keyPrefix();
    return object.scheme().equals(glob.listing().scheme())
        && object.bucket().equals(glob.listing().bucket())
        && object.key().startsWith(prefix) && glob.belongs().test(object.key());
  }
}
