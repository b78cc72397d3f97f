package io.istziio.server.store;

import java.nio.file.Path;

/**
 * Where objects come from. Errors are Flight errors: NOT_FOUND for a missing object, UNAVAILABLE
 * when the store cannot be reached or fails, INVALID_ARGUMENT for a path the store refuses.
 */
public interface ObjectStore extends AutoCloseable {

  /** The object's current version, without reading its content (one HEAD): for revalidation. */
  ObjectVersion stat(ObjectPath path);

  /**
   * Starts reading the object's current version in one round trip (one GET): returns once the
   * version is known, before the body is read. The caller closes the content.
   */
  ObjectContent open(ObjectPath path);

  /** Copies the object's current version into {@code target} (which does not exist yet). */
  default ObjectVersion fetch(ObjectPath path, Path target) {
    try (ObjectContent content = open(path)) {
      content.transferTo(target);
      return content.version();
    }
  }

  @Override
  default void close() {}
}
