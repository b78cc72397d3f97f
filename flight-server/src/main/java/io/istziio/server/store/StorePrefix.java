package io.istziio.server.store;

/**
 * Where a listing looks: every object of one bucket (or the local root) whose key starts with a
 * text prefix, recursively.
 *
 * @param scheme {@link ObjectPath#S3} or {@link ObjectPath#FILE}
 * @param bucket the S3 bucket; empty for files
 * @param keyPrefix the S3 key prefix, verbatim (may be empty: the whole bucket); for files the
 *     absolute path prefix, decoded (a directory ends in {@code /})
 * @param uri what is listed, as the client wrote it, for messages
 */
public record StorePrefix(String scheme, String bucket, String keyPrefix, String uri) {

  @Override
  public String toString() {
    return uri;
  }
}
