package io.istziio.server.store;

import io.istziio.server.Errors;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * The address of an object, parsed from a ticket's path: {@code s3://bucket/key} or
 * {@code file:///absolute/path}.
 *
 * @param uri the path as the client wrote it, which keys the cache
 * @param scheme {@code s3} or {@code file}
 * @param bucket the S3 bucket; empty for files
 * @param key the S3 key, or the absolute file path
 */
public record ObjectPath(String uri, String scheme, String bucket, String key) {

  public static final String S3 = "s3";
  public static final String FILE = "file";

  /** S3's limit on the length of an object key; a longer one could never name an object. */
  private static final int MAX_S3_KEY_BYTES = 1024;

  private static final String EXAMPLES =
      "use s3://bucket/key.parquet or file:///absolute/path.parquet";

  /**
   * Parses a ticket's path.
   *
   * @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT for a path that is
   *     not an s3:// or absolute file:// URI, an S3 key longer than S3's 1,024 bytes, or a file
   *     path no file system can hold
   */
  public static ObjectPath parse(String path) {
    URI uri;
    try {
      uri = new URI(path);
    } catch (URISyntaxException e) {
      throw Errors.invalid("path \"%s\" is not a valid URI (%s); %s", path, e.getReason(), EXAMPLES);
    }
    String scheme = uri.getScheme();
    if (S3.equals(scheme)) {
      String bucket = uri.getAuthority();
      String key = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
      if (bucket == null || bucket.isEmpty() || key.isEmpty() || uri.getQuery() != null) {
        throw Errors.invalid("path \"%s\" names no object; %s", path, EXAMPLES);
      }
      if (key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_S3_KEY_BYTES) {
        throw Errors.invalid("path \"%s\" has a key longer than S3 allows (%d bytes of UTF-8); "
            + "check the path", path, MAX_S3_KEY_BYTES);
      }
      return new ObjectPath(path, S3, bucket, key);
    }
    if (FILE.equals(scheme)) {
      if (uri.getAuthority() != null || uri.getPath() == null || !uri.getPath().startsWith("/")) {
        throw Errors.invalid("path \"%s\" is not an absolute file URI; %s", path, EXAMPLES);
      }
      if (uri.getPath().indexOf('\0') >= 0) { // no file system takes one; Path.of would throw
        throw Errors.invalid("path \"%s\" holds a NUL character (%%00), which no file name can "
            + "contain; %s", path, EXAMPLES);
      }
      return new ObjectPath(path, FILE, "", uri.getPath());
    }
    throw Errors.invalid("path \"%s\" has an unsupported scheme%s; %s", path,
        scheme == null ? "" : " \"" + scheme + "\"", EXAMPLES);
  }

  @Override
  public String toString() {
    return uri;
  }
}
