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

  /**
   * The last {@code length} bytes of the object's current version (all of it when it is shorter),
   * with that version, in one round trip (a ranged GET): enough for a Parquet footer. Empty when
   * this store cannot read part of an object; the caller then reads it whole.
   *
   * @throws org.apache.arrow.flight.FlightRuntimeException as {@link #open}
   */
  default java.util.Optional<ObjectTail> tail(ObjectPath path, int length) {
    return java.util.Optional.empty();
  }

  /**
   * Bytes {@code [offset, offset + length)} of {@code version} of the object, in one round trip (a
   * ranged GET on condition of the version's ETag); only after {@link #tail} answered for it.
   *
   * @throws org.apache.arrow.flight.FlightRuntimeException NOT_FOUND marked as the version's
   *     ({@link io.istziio.server.Errors#versionGone}) when the object is no longer that version;
   *     else as {@link #open}
   */
  default byte[] range(ObjectPath path, ObjectVersion version, long offset, int length) {
    throw io.istziio.server.Errors.unimplemented("%s cannot be read in part", path);
  }

  /** Copies the object's current version into {@code target} (which does not exist yet). */
  default ObjectVersion fetch(ObjectPath path, Path target) {
    try (ObjectContent content = open(path)) {
      content.transferTo(target);
      return content.version();
    }
  }

  /**
   * The objects under {@code prefix}, recursively, in no particular order, that {@code keep}
   * accepts (by key, see {@link ListedObject#key}); zero-byte keys ending in {@code /} (folder
   * markers) are never listed.
   *
   * @param limit the most objects wanted: the listing stops once it has found one more
   * @throws org.apache.arrow.flight.FlightRuntimeException NOT_FOUND for a missing bucket,
   *     INVALID_ARGUMENT for a prefix outside the store, as for {@link #open}
   */
  default java.util.List<ListedObject> list(StorePrefix prefix,
      java.util.function.Predicate<String> keep, int limit) {
    throw io.istziio.server.Errors.invalid("%s cannot be listed; name its objects in \"paths\"",
        prefix);
  }

  @Override
  default void close() {}
}
