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

  /** NAME_MAX and PATH_MAX of Linux (macOS has 255 and 1,024 bytes). */
  private static final int MAX_FILE_NAME_BYTES = 255;
  private static final int MAX_FILE_PATH_BYTES = 4_096;

  /**
   * Bucket names S3 has ever allowed (legacy us-east-1 names took uppercase and underscores, up
   * to 255): anything else, such as "..", a NUL, a user or a port, would reach S3 only as a
   * request it refuses, which read as the store failing.
   */
  private static final java.util.regex.Pattern BUCKET =
      java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,254}");

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
      // A query or fragment is not part of the key, yet the whole URI keys the cache: refused
      // rather than read under a second name.
      if (bucket == null || bucket.isEmpty() || key.isEmpty() || uri.getRawQuery() != null
          || uri.getRawFragment() != null) {
        throw Errors.invalid("path \"%s\" names no object; %s", path, EXAMPLES);
      }
      if (!BUCKET.matcher(bucket).matches()) {
        throw Errors.invalid("path \"%s\" has bucket \"%s\", which is not an S3 bucket name "
            + "(letters, digits, '.', '-' and '_'); %s", path, bucket, EXAMPLES);
      }
      if (key.indexOf('\0') >= 0) { // S3 answers InvalidURI
        throw Errors.invalid("path \"%s\" holds a NUL character (%%00), which no S3 key can "
            + "contain; %s", path, EXAMPLES);
      }
      // HTTP clients resolve "." and ".." segments and merge empty ones before S3 sees the key,
      // so such a key would address another object or fail as a bad signature.
      for (String segment : key.split("/", -1)) {
        if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
          throw Errors.invalid("path \"%s\" has an empty, \".\" or \"..\" segment in its key, "
              + "which S3 clients cannot address as written; %s", path, EXAMPLES);
        }
      }
      if (key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_S3_KEY_BYTES) {
        throw Errors.invalid("path \"%s\" has a key longer than S3 allows (%d bytes of UTF-8); "
            + "check the path", path, MAX_S3_KEY_BYTES);
      }
      return new ObjectPath(path, S3, bucket, key);
    }
    if (FILE.equals(scheme)) {
      if (uri.getAuthority() != null || uri.getPath() == null || !uri.getPath().startsWith("/")
          || uri.getRawQuery() != null || uri.getRawFragment() != null) {
        throw Errors.invalid("path \"%s\" is not an absolute file URI; %s", path, EXAMPLES);
      }
      if (uri.getPath().endsWith("/")) { // Path.of drops the slash and would read the file anyway
        throw Errors.invalid("path \"%s\" ends in \"/\", so it names a directory, not a file; %s",
            path, EXAMPLES);
      }
      if (uri.getPath().indexOf('\0') >= 0) { // no file system takes one; Path.of would throw
        throw Errors.invalid("path \"%s\" holds a NUL character (%%00), which no file name can "
            + "contain; %s", path, EXAMPLES);
      }
      // Linux and macOS refuse longer names (ENAMETOOLONG) with an error that read as the local
      // store failing; no file can have such a name, so the path is the client's mistake.
      if (uri.getPath().getBytes(java.nio.charset.StandardCharsets.UTF_8).length >= MAX_FILE_PATH_BYTES
          || java.util.Arrays.stream(uri.getPath().split("/")).anyMatch(
              name -> name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_FILE_NAME_BYTES)) {
        throw Errors.invalid("path \"%s\" is longer than a file system allows (%d bytes a name, "
            + "%d in all); check the path", path, MAX_FILE_NAME_BYTES, MAX_FILE_PATH_BYTES);
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
