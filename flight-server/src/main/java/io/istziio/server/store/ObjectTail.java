package io.istziio.server.store;

/**
 * The last bytes of one version of an object, read in one ranged GET.
 *
 * @param version the version they belong to, as the store reported it with them
 * @param bytes the object's last {@code bytes.length} bytes: all of it when it is shorter than
 *     asked
 */
public record ObjectTail(ObjectVersion version, byte[] bytes) {

  /** Where the bytes begin in the object. */
  public long offset() {
    return version.size() - bytes.length;
  }
}
