package io.istziio.client.protocol;

/**
 * One partition column of a dataset's file, as a file ticket carries it: every row of the file
 * gets this value in column {@code name}.
 *
 * @param name the column's name, e.g. {@code year}
 * @param type {@code "int32"} or {@code "string"}, as pyarrow's hive partitioning types it
 * @param value the value as decimal or UTF-8 text (URI-decoded), or null for
 *     {@code __HIVE_DEFAULT_PARTITION__}
 */
public record PartitionValue(String name, String type, String value) {}
