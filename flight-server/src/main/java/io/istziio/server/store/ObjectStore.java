package io.istziio.server.store;

import java.nio.file.Path;

/**
 * Where objects come from. Errors are Flight errors: NOT_FOUND for a missing object, UNAVAILABLE
 * when the store cannot be reached or fails, INVALID_ARGUMENT for a path the store refuses.
 */
public interface ObjectStore extends AutoCloseable {

  /** The object's current version, without reading its content. */
  ObjectVersion stat(ObjectPath path);

  /**
   * Copies exactly the given version of the object into {@code target}, which does not exist yet.
   * Streams to disk: the object is never held in memory whole.
   */
  void download(ObjectPath path, ObjectVersion version, Path target);

  @Override
  default void close() {}
}
