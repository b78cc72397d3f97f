package io.istziio.server.parquet;

import io.istziio.server.Errors;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.dataset.file.FileSystemDatasetFactory;
import org.apache.arrow.dataset.jni.NativeMemoryPool;
import org.apache.arrow.dataset.scanner.ScanOptions;
import org.apache.arrow.dataset.scanner.Scanner;
import org.apache.arrow.dataset.source.Dataset;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A local Parquet file opened with Arrow Dataset. The projection is pushed into the native scanner,
 * so columns that were not asked for are never decoded.
 */
public final class ParquetScan implements AutoCloseable {

  private final String name;
  private final FileSystemDatasetFactory factory;
  private final Dataset dataset;
  private final Schema fileSchema;
  private Scanner scanner;
  private ArrowReader reader;

  private ParquetScan(String name, FileSystemDatasetFactory factory) {
    this.name = name;
    this.factory = factory;
    this.fileSchema = factory.inspect();
    this.dataset = factory.finish();
  }

  /**
   * Opens a file; batches are allocated from {@code allocator}.
   *
   * @param name the object's path, to name it in errors
   */
  public static ParquetScan open(BufferAllocator allocator, Path file, String name) {
    FileSystemDatasetFactory factory;
    try {
      factory = new FileSystemDatasetFactory(allocator, NativeMemoryPool.getDefault(),
          FileFormat.PARQUET, file.toUri().toString());
    } catch (RuntimeException e) {
      throw Errors.invalid("%s is not a readable Parquet file (%s)", name, firstLine(e));
    }
    try {
      return new ParquetScan(name, factory);
    } catch (RuntimeException e) {
      factory.close();
      throw Errors.invalid("%s is not a readable Parquet file (%s)", name, firstLine(e));
    }
  }

  public Schema fileSchema() {
    return fileSchema;
  }

  /**
   * The schema of the given columns, in their order; the whole file's when {@code columns} is
   * null.
   *
   * @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT for an unknown column
   */
  public Schema project(List<String> columns) {
    if (columns == null) {
      return fileSchema;
    }
    List<Field> fields = new ArrayList<>(columns.size());
    for (String column : columns) {
      fields.add(field(column));
    }
    return new Schema(fields, fileSchema.getCustomMetadata());
  }

  private Field field(String column) {
    for (Field field : fileSchema.getFields()) {
      if (field.getName().equals(column)) {
        return field;
      }
    }
    throw Errors.invalid("unknown column \"%s\" in %s; its columns are: %s", column, name,
        fileSchema.getFields().stream().map(Field::getName).collect(Collectors.joining(", ")));
  }

  /**
   * Starts the scan; the reader belongs to this object and closes with it.
   *
   * @param filter a serialized Substrait ExtendedExpression the scanner evaluates, or null
   */
  public ArrowReader scan(List<String> columns, long batchRows, byte[] filter) {
    if (reader != null) {
      throw new IllegalStateException("a ParquetScan scans once");
    }
    project(columns); // validates the names before the native scanner sees them
    ScanOptions.Builder options = new ScanOptions.Builder(batchRows)
        .columns(Optional.ofNullable(columns).map(c -> c.toArray(String[]::new)));
    if (filter != null) {
      ByteBuffer buffer = ByteBuffer.allocateDirect(filter.length).put(filter).flip();
      options.substraitFilter(buffer);
    }
    try {
      scanner = dataset.newScan(options.build());
      reader = scanner.scanBatches();
    } catch (RuntimeException e) {
      if (filter == null) {
        throw e;
      }
      throw Errors.invalid("Arrow cannot run the filter on %s (%s)", name, firstLine(e));
    }
    return reader;
  }

  @Override
  public void close() throws Exception {
    AutoCloseables.close(reader, scanner, dataset, factory);
  }

  private static String firstLine(RuntimeException e) {
    String message = String.valueOf(e.getMessage());
    int end = message.indexOf('\n');
    return end < 0 ? message : message.substring(0, end);
  }
}
