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

  private static final String EXAMPLES =
      "use s3://bucket/key.parquet or file:///absolute/path.parquet";

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
      return new ObjectPath(path, S3, bucket, key);
    }
    if (FILE.equals(scheme)) {
      if (uri.getAuthority() != null || uri.getPath() == null || !uri.getPath().startsWith("/")) {
        throw Errors.invalid("path \"%s\" is not an absolute file URI; %s", path, EXAMPLES);
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
