package io.istziio.server.store;

import io.istziio.server.Errors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;

/**
 * Objects in a local directory, addressed as {@code file:///root/...}: the embedded store of a
 * single machine. Paths that resolve outside the root (through "..", or a symbolic link) are
 * refused, so a ticket cannot read the node's other files.
 */
public final class LocalObjectStore implements ObjectStore {

  private final Path root;

  public LocalObjectStore(Path root) {
    try {
      this.root = root.toRealPath();
    } catch (IOException e) {
      throw new IllegalArgumentException("local root " + root + " does not exist", e);
    }
  }

  public Path root() {
    return root;
  }

  @Override
  public ObjectVersion stat(ObjectPath path) {
    try {
      return version(path);
    } catch (FlightRuntimeException e) {
      throw failed("HEAD", path, e);
    }
  }

  private ObjectVersion version(ObjectPath path) {
    Path file = resolve(path);
    try {
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      if (!attributes.isRegularFile()) {
        throw Errors.invalid("%s is not a regular file", path);
      }
      // Size and modification time stand in for S3's ETag: a rewrite changes at least one.
      String etag = Long.toHexString(attributes.size()) + "-"
          + Long.toHexString(attributes.lastModifiedTime().toMillis());
      return new ObjectVersion(etag, attributes.size());
    } catch (NoSuchFileException e) {
      throw Errors.notFound("%s does not exist; check the path", path);
    } catch (IOException e) {
      throw readError(path, e);
    }
  }

  /**
   * The file's version is read before the copy and checked after it: a file rewritten while it
   * was being copied fails the copy rather than being cached under the old version.
   */
  @Override
  public ObjectContent open(ObjectPath path) {
    Path file;
    ObjectVersion version;
    try {
      file = resolve(path);
      version = version(path);
    } catch (FlightRuntimeException e) {
      throw failed("GET", path, e);
    }
    return new ObjectContent() {
      @Override
      public ObjectVersion version() {
        return version;
      }

      @Override
      public void transferTo(Path target) {
        try {
          copy(path, file, version, target);
        } catch (FlightRuntimeException e) {
          throw failed("GET", path, e);
        }
      }

      @Override
      public void close() {}
    };
  }

  /** The file's last bytes, its version read before and checked after, as for a copy. */
  @Override
  public java.util.Optional<ObjectTail> tail(ObjectPath path, int length) {
    try {
      Path file = resolve(path);
      ObjectVersion version = version(path);
      int count = (int) Math.min(length, version.size());
      byte[] bytes = read(path, file, version.size() - count, count);
      if (!version(path).equals(version)) {
        throw Errors.storeUnavailable("%s changed while it was being read; retry", path);
      }
      return java.util.Optional.of(new ObjectTail(version, bytes));
    } catch (FlightRuntimeException e) {
      throw failed("GET", path, e);
    }
  }

  @Override
  public byte[] range(ObjectPath path, ObjectVersion version, long offset, int length) {
    try {
      Path file = resolve(path);
      if (!version(path).equals(version)) {
        throw Errors.versionGone("%s changed while it was read (version %s is gone); read it "
            + "again", path, version.etag());
      }
      byte[] bytes = read(path, file, offset, length);
      if (!version(path).equals(version)) {
        throw Errors.versionGone("%s changed while it was read (version %s is gone); read it "
            + "again", path, version.etag());
      }
      return bytes;
    } catch (FlightRuntimeException e) {
      throw io.istziio.client.protocol.Failures.isVersionGone(e) ? e : failed("GET", path, e);
    }
  }

  private static byte[] read(ObjectPath path, Path file, long offset, int length) {
    java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(length);
    try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file)) {
      while (buffer.hasRemaining()) {
        if (channel.read(buffer, offset + buffer.position()) < 0) {
          throw Errors.storeUnavailable("%s changed while it was being read; retry", path);
        }
      }
      return buffer.array();
    } catch (NoSuchFileException e) {
      throw Errors.notFound("%s does not exist; check the path", path);
    } catch (IOException e) {
      throw readError(path, e);
    }
  }

  private void copy(ObjectPath path, Path file, ObjectVersion version, Path target) {
    // Streamed rather than Files.copy, so that a full cache disk (LocalWriteException) is told
    // apart from a failure to read the source; the former is the cache's, not logged here.
    try (InputStream in = Files.newInputStream(file)) {
      LocalWriteException.copy(in, target);
    } catch (NoSuchFileException e) {
      throw Errors.notFound("%s does not exist; check the path", path);
    } catch (IOException e) {
      throw readError(path, e);
    }
    if (!version(path).equals(version)) {
      throw Errors.storeUnavailable("%s changed while it was being read; retry", path);
    }
  }

  /**
   * Logs a failure of the directory (a missing file, an unreadable one; not a path this store
   * refuses, which is the request's fault) and returns it, to be thrown.
   */
  private static FlightRuntimeException failed(String op, Object path, FlightRuntimeException e) {
    if (e.status().code() == FlightStatusCode.INVALID_ARGUMENT) {
      return e;
    }
    return StoreFailures.logged("local", op, path, null, e);
  }

  /**
   * Walks the directory the prefix ends in (symbolic links are followed only to files inside the
   * root); a directory that does not exist lists nothing.
   */
  @Override
  public java.util.List<ListedObject> list(StorePrefix prefix,
      java.util.function.Predicate<String> keep, int limit) {
    String text = prefix.keyPrefix();
    Path base = Path.of(text.substring(0, text.lastIndexOf('/') + 1)).normalize();
    if (!base.startsWith(root)) {
      throw Errors.invalid("%s is outside this node's local root %s; list a directory under it",
          prefix, root);
    }
    java.util.List<ListedObject> found = new java.util.ArrayList<>();
    if (!Files.isDirectory(base)) {
      return found;
    }
    try (java.util.stream.Stream<Path> walk = Files.walk(base)) {
      java.util.Iterator<Path> files = walk.iterator();
      while (files.hasNext() && found.size() <= limit) {
        Path file = files.next();
        String key = file.toString();
        if (!key.startsWith(text) || !keep.test(key) || !insideRoot(file)) {
          continue;
        }
        found.add(new ListedObject(new java.net.URI("file", "", key, null, null).toString(), key,
            Files.size(file)));
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      throw StoreFailures.logged("local", "LIST", prefix, e,
          Errors.storeUnavailable("cannot list %s: %s", prefix, Errors.firstLine(e)));
    } catch (java.net.URISyntaxException e) {
      throw Errors.invalid("a file under %s has a name no URI can hold (%s)", prefix, e.getReason());
    }
    return found;
  }

  /** A regular file whose real path lies under the root (a link to elsewhere is left out). */
  private boolean insideRoot(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return false;
    }
    return !Files.isSymbolicLink(file) || file.toRealPath().startsWith(root);
  }

  private Path resolve(ObjectPath path) {
    Path file = Path.of(path.key()).normalize();
    if (!file.startsWith(root)) {
      throw Errors.invalid("%s is outside this node's local root %s; ask for a file under it",
          path, root);
    }
    try {
      Path real = file.toRealPath();
      if (!real.startsWith(root)) {
        throw Errors.invalid("%s links outside this node's local root %s", path, root);
      }
      return real;
    } catch (NoSuchFileException e) {
      throw Errors.notFound("%s does not exist; check the path", path);
    } catch (IOException e) {
      throw readError(path, e);
    }
  }

  private static RuntimeException readError(ObjectPath path, IOException e) {
    if (e instanceof AccessDeniedException) {
      return Errors.unauthorized("the node may not read %s; check the file's permissions", path);
    }
    return Errors.storeUnavailable("cannot read %s: %s", path, e.getMessage());
  }
}
