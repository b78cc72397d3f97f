package io.istziio.server.store;

import io.istziio.server.Errors;

/** Routes each path to the store of its scheme. */
public final class ObjectStores implements ObjectStore {

  private final ObjectStore s3;
  private final ObjectStore local;

  /**
   * @param s3 the store for s3:// paths
   * @param local the store for file:// paths, or null when this node serves no local files
   */
  public ObjectStores(ObjectStore s3, ObjectStore local) {
    this.s3 = s3;
    this.local = local;
  }

  @Override
  public java.util.List<ListedObject> list(StorePrefix prefix,
      java.util.function.Predicate<String> keep, int limit) {
    return storeFor(new ObjectPath(prefix.uri(), prefix.scheme(), prefix.bucket(), prefix.keyPrefix()))
        .list(prefix, keep, limit);
  }

  private ObjectStore storeFor(ObjectPath path) {
    if (ObjectPath.S3.equals(path.scheme())) {
      return s3;
    }
    if (local == null) {
      throw Errors.invalid("this node serves no local files (%s); start it with --local-root to "
          + "serve a directory, or use an s3:// path", path);
    }
    return local;
  }

  @Override
  public ObjectVersion stat(ObjectPath path) {
    return storeFor(path).stat(path);
  }

  @Override
  public ObjectContent open(ObjectPath path) {
    return storeFor(path).open(path);
  }

  @Override
  public java.util.Optional<ObjectTail> tail(ObjectPath path, int length) {
    return storeFor(path).tail(path, length);
  }

  @Override
  public byte[] range(ObjectPath path, ObjectVersion version, long offset, int length) {
    return storeFor(path).range(path, version, offset, length);
  }

  @Override
  public void close() {
    s3.close();
    if (local != null) {
      local.close();
    }
  }
}
