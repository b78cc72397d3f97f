package io.istziio.server.store;

import io.istziio.server.Errors;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;

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
  private static final String S3_PREFIX = "s3://";

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
   * <p>The S3 rule: {@code s3://BUCKET/KEY}, where KEY is everything after the first {@code /}
   * that follows the bucket, taken verbatim: no percent-decoding and no query or fragment, so
   * {@code s3://data/a b%20c#1?.parquet} names the key {@code a b%20c#1?.parquet}, and
   * {@code s3://data//x//y} the key {@code /x//y} (the S3 client sends the extra slashes as
   * {@code %2F}). One key has one path, so a path keys the caches with no aliases. Refused: what
   * no S3 object can have (an empty key, one over 1,024 bytes of UTF-8, a NUL, text that is not
   * Unicode such as a lone surrogate, a bucket that is not an S3 bucket name), and what servers
   * and proxies in front of S3 may read as another object: a key with a {@code .} or {@code ..}
   * segment, or ending in {@code /} (a folder marker).
   *
   * <p>file:// paths are URIs ({@code %20} is a space) and are refused with a query or fragment.
   *
   * @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT for a path that is
   *     not an s3:// path or an absolute file:// URI, an S3 key no S3 object can have, or a file
   *     path no file system can hold
   */
  public static ObjectPath parse(String path) {
    if (path.startsWith(S3_PREFIX)) {
      return parseS3(path);
    }
    URI uri;
    try {
      uri = new URI(path);
    } catch (URISyntaxException e) {
      throw Errors.invalid("path \"%s\" is not a valid URI (%s); %s", path, e.getReason(), EXAMPLES);
    }
    String scheme = uri.getScheme();
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

  /** {@code s3://BUCKET/KEY} with the key verbatim; see {@link #parse}. */
  private static ObjectPath parseS3(String path) {
    String rest = path.substring(S3_PREFIX.length());
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    String key = slash < 0 ? "" : rest.substring(slash + 1);
    if (bucket.isEmpty() || key.isEmpty()) {
      throw Errors.invalid("path \"%s\" names no object; %s", path, EXAMPLES);
    }
    if (!BUCKET.matcher(bucket).matches()) {
      throw Errors.invalid("path \"%s\" has bucket \"%s\", which is not an S3 bucket name "
          + "(letters, digits, '.', '-' and '_'); %s", path, bucket, EXAMPLES);
    }
    if (key.indexOf('\0') >= 0) { // S3 answers InvalidURI
      throw Errors.invalid("path \"%s\" holds a NUL character, which no S3 key can contain; "
          + "the key is everything after s3://%s/, taken as written", path, bucket);
    }
    // UTF-8 would turn a lone surrogate into '?', which names another key.
    if (!StandardCharsets.UTF_8.newEncoder().canEncode(key)) {
      throw Errors.invalid("path \"%s\" holds text that is not Unicode (an unpaired surrogate), "
          + "which no S3 key can contain; check the path", path);
    }
    if (key.getBytes(StandardCharsets.UTF_8).length > MAX_S3_KEY_BYTES) {
      throw Errors.invalid("path \"%s\" has a key longer than S3 allows (%d bytes of UTF-8); "
          + "check the path", path, MAX_S3_KEY_BYTES);
    }
    // S3 keeps such a key as a folder marker; file-backed servers (S3Proxy) read it as the key
    // without the slash, which is another object.
    if (key.endsWith("/")) {
      throw Errors.invalid("path \"%s\" ends in \"/\", so it names a folder, not an object; "
          + "name a Parquet object in it", path);
    }
    // The S3 client sends "." and ".." segments as written (only "/" needs escaping, and it
    // escapes a second "/" as %2F), and S3 keeps them, but S3-compatible servers and HTTP proxies
    // resolve them (S3Proxy reads "./a" as "a"): the answer could be another object.
    for (String segment : key.split("/", -1)) {
      if (segment.equals(".") || segment.equals("..")) {
        throw Errors.invalid("path \"%s\" has a \"%s\" segment in its key, which servers on "
            + "the way to S3 may resolve to another object; copy the object to a key without "
            + "\".\" or \"..\" segments", path, segment);
      }
    }
    return new ObjectPath(path, S3, bucket, key);
  }

  @Override
  public String toString() {
    return uri;
  }
}
