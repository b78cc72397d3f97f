package io.istziio.server.dataset;

/**
 * One object of a dataset.
 *
 * @param path its path, as a file ticket names it
 * @param relative its key below the dataset's prefix ({@code year=2024/part-0.parquet}), decoded
 *     as the store lists it, which hive partitions are read from
 */
public record DatasetFile(String path, String relative) {}
