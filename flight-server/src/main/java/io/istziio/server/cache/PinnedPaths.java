package io.istziio.server.cache;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The paths pinned on a node, kept in {@code <cache-dir>/pins.json} (a JSON array of paths) so
 * that pins survive a restart, as the disk copies they protect do. Each change rewrites the file
 * whole through a temporary file and an atomic rename: a crash leaves the old list or the new.
 *
 * <p>Lookups are lock-free (a concurrent set); changes are serialized by this object's monitor,
 * and the set changes only once the file holding the new list is in place.
 */
final class PinnedPaths {

  private static final Logger LOG = LoggerFactory.getLogger(PinnedPaths.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final Set<String> paths = ConcurrentHashMap.newKeySet();

  /** Reads the list a previous run left; an unreadable one is set aside with a warning. */
  PinnedPaths(Path file) {
    this.file = file;
    if (!Files.exists(file)) {
      return;
    }
    try {
      paths.addAll(JSON.readValue(file.toFile(), new TypeReference<List<String>>() {}));
    } catch (IOException | RuntimeException e) {
      Path aside = file.resolveSibling(file.getFileName() + ".unreadable");
      LOG.warn("cannot read the pins in {} ({}); starting with none, the file is kept as {}",
          file, e.toString(), aside);
      try {
        Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException moved) {
        LOG.warn("cannot move {} aside: {}", file, moved.toString());
      }
    }
  }

  boolean contains(String path) {
    return paths.contains(path);
  }

  boolean isEmpty() {
    return paths.isEmpty();
  }

  int size() {
    return paths.size();
  }

  /** Adds these paths, recording the list first. */
  synchronized void add(Collection<String> added) {
    if (paths.containsAll(added)) {
      return;
    }
    Set<String> next = new TreeSet<>(paths);
    next.addAll(added);
    save(next);
    paths.addAll(added);
  }

  /** Removes the paths {@code matching} selects, recording the list first; returns them. */
  synchronized List<String> remove(Predicate<String> matching) {
    List<String> removed = new ArrayList<>();
    for (String path : paths) {
      if (matching.test(path)) {
        removed.add(path);
      }
    }
    if (!removed.isEmpty()) {
      Set<String> next = new TreeSet<>(paths);
      removed.forEach(next::remove);
      save(next);
      removed.forEach(paths::remove);
    }
    return removed;
  }

  private void save(Set<String> next) {
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      JSON.writerWithDefaultPrettyPrinter().writeValue(temporary.toFile(), next);
      Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record the pins in " + file, e);
    }
  }
}
