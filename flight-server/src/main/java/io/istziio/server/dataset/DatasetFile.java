package io.istziio.server.dataset;

/**
 * One object of a dataset.
 *
 * @param path its path, as a file ticket names it
 * @param relative its key below the dataset's prefix ({@code year=2024/part-0.parquet}), decoded
 *     as the store lists it, which hive partitions are read from
 * @param bytes its size in the store, or -1 when not listed (a {@code paths} list names objects
 *     without listing them)
 */
public record DatasetFile(String path, String relative, long bytes) {}
