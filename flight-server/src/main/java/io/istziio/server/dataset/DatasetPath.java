package io.istziio.server.dataset;

import io.istziio.server.Errors;
import io.istziio.server.store.ObjectPath;
import io.istziio.server.store.StorePrefix;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A dataset ticket's {@code path}: a prefix (ending in {@code /}: every object under it) or a
 * glob (holding {@code *}), as what to list and which listed keys belong.
 *
 * @param listing what the store lists: a prefix's text, or a glob's text before the segment that
 *     holds its first {@code *}
 * @param belongs by key: whether a listed object is one of the dataset's files
 */
record DatasetPath(StorePrefix listing, Predicate<String> belongs) {

  private static final Pattern BUCKET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,254}");

  /**
   * @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT for a path that is not
   *     an s3:// or absolute file:// prefix or glob
   */
  static DatasetPath parse(String path) {
    String scheme;
    String bucket = "";
    String key;
    if (path.startsWith("s3://")) {
      scheme = ObjectPath.S3;
      String rest = path.substring("s3://".length());
      int slash = rest.indexOf('/');
      bucket = slash < 0 ? rest : rest.substring(0, slash);
      key = slash < 0 ? "" : rest.substring(slash + 1);
      if (!BUCKET.matcher(bucket).matches()) {
        throw Errors.invalid("path \"%s\" has no S3 bucket name; list a dataset as "
            + "s3://bucket/prefix/ or s3://bucket/prefix/*.parquet", path);
      }
    } else if (path.startsWith("file:")) {
      scheme = ObjectPath.FILE;
      try {
        URI uri = new URI(path);
        key = uri.getPath();
        if (uri.getAuthority() != null || key == null || !key.startsWith("/")
            || uri.getRawQuery() != null || uri.getRawFragment() != null) {
          throw Errors.invalid("path \"%s\" is not an absolute file URI; list a dataset as "
              + "file:///absolute/dir/", path);
        }
      } catch (URISyntaxException e) {
        throw Errors.invalid("path \"%s\" is not a valid URI (%s)", path, e.getReason());
      }
    } else {
      throw Errors.invalid("path \"%s\" has an unsupported scheme; list a dataset as "
          + "s3://bucket/prefix/ or file:///absolute/dir/", path);
    }
    int star = key.indexOf('*');
    if (star < 0) {
      return new DatasetPath(new StorePrefix(scheme, bucket, key, path),
          k -> !ignored(k.substring(key.length())));
    }
    String base = key.substring(0, key.lastIndexOf('/', star) + 1);
    GlobPattern glob = new GlobPattern(key.substring(base.length()));
    return new DatasetPath(new StorePrefix(scheme, bucket, base, path),
        k -> glob.matches(k.substring(base.length())));
  }

  /** Whether a key below a prefix has a segment pyarrow.dataset ignores. */
  private static boolean ignored(String relative) {
    for (String segment : relative.split("/", -1)) {
      if (GlobPattern.ignored(segment)) {
        return true;
      }
    }
    return false;
  }
}
