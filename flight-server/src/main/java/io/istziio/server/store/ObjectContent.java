package io.istziio.server.store;

import java.nio.file.Path;

/**
 * An object as the store is sending it: its version is known (from the response headers) before
 * its body is read, so that the cache can key and make room for it first. Close it in every case:
 * closing unread abandons the body.
 */
public interface ObjectContent extends AutoCloseable {

  /** The version whose body this is: the store's answer, not the caller's expectation. */
  ObjectVersion version();

  /**
   * Streams the body into {@code target}, which does not exist yet; at most once. Throws a Flight
   * error (UNAVAILABLE) when the body cannot be read whole, and a {@link LocalWriteException} when
   * {@code target} cannot be written (the local disk is full): that is not the store's fault.
   */
  void transferTo(Path target);

  @Override
  void close();
}
