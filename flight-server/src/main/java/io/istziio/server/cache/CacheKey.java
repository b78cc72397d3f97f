package io.istziio.server.cache;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One version of one object: a changed object (new ETag) is a different entry.
 *
 * @param path the object's URI
 * @param etag the version the store reported
 */
public record CacheKey(String path, String etag) {

  /** A file name for this key: fixed length, safe on any file system, stable across restarts. */
  public String fileName() {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(path.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(etag.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
