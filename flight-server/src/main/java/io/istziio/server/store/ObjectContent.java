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

  /**
   * Whether the body came from a peer node rather than the store (a warm hand-off); asked after
   * {@link #transferTo}, which may have fallen back to the store.
   */
  default boolean fromPeer() {
    return false;
  }

  @Override
  void close();
}
