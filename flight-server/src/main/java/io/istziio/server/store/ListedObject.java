package io.istziio.server.store;

/**
 * One object a listing found.
 *
 * @param path its path as a ticket names it ({@code s3://bucket/key}, or {@code file:///...} with
 *     what a URI must escape escaped)
 * @param key the S3 key or the absolute file path, decoded, which globs and partitions are read from
 * @param bytes its size
 */
public record ListedObject(String path, String key, long bytes) {}
