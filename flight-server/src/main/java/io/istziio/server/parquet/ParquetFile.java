package io.istziio.server.parquet;

import io.istziio.server.Errors;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.dataset.file.FileSystemDatasetFactory;
import org.apache.arrow.dataset.scanner.ScanOptions;
import org.apache.arrow.dataset.scanner.Scanner;
import org.apache.arrow.dataset.source.Dataset;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A local Parquet file opened with Arrow Dataset, once per cached copy and shared by every request
 * that reads it: the footer, the schema and the native dataset are read once. Each scan pushes the
 * projection and the filter into the native scanner, so columns that were not asked for are never
 * decoded and row groups that the filter rules out are skipped.
 */
public final class ParquetFile implements ParquetDescription, AutoCloseable {

  private final String name;
  private final Path local;
  private final ParquetFooter footer;
  private final Schema schema;
  private final Dataset dataset;
  private Optional<String> damage; // guarded by this; null until a scan fails

  private ParquetFile(String name, Path local, ParquetFooter footer, Schema schema,
      Dataset dataset) {
    this.name = name;
    this.local = local;
    this.footer = footer;
    this.schema = schema;
    this.dataset = dataset;
  }

  /**
   * Opens a file; its scans allocate their batches from {@code allocator}.
   *
   * @param name the object's path, to name it in errors
   * @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT if it is not Parquet
   *     or its footer is damaged, UNIMPLEMENTED if it uses what the reader lacks (see {@link
   *     FooterCheck})
   */
  public static ParquetFile open(BufferAllocator allocator, Path file, String name) {
    ParquetFooter footer = ParquetFooter.read(file, name);
    try (FileSystemDatasetFactory factory = new FileSystemDatasetFactory(allocator,
        NativeMemory.POOL, FileFormat.PARQUET, mapped(file))) {
      Schema schema = factory.inspect();
      return new ParquetFile(name, file, footer, schema, factory.finish());
    } catch (RuntimeException e) {
      throw ReadFailure.isNative(e) ? ReadFailure.schema(e, file, name) : e;
    }
  }

  /**
   * The file's URI for Arrow, asking it to map the file rather than read it into buffers. Arrow's
   * Parquet reader pre-buffers the column chunks a scan will read (coalesced into ranges of up to
   * 32 MiB) and keeps them until the scan ends: read into native buffers, that is up to the whole
   * file's projected bytes per open scan, however slowly its client reads (about 100 MiB per paused
   * stream of a 128 MB file, measured). Mapped, those ranges are slices of the page cache: one copy
   * of the file however many scans are open, and the kernel's to reclaim.
   *
   * <p>A mapped file must not be truncated while a scan reads it (the process would get SIGBUS):
   * the disk tier never does, it replaces and removes files by rename and unlink, which leave an
   * open mapping intact.
   */
  static String mapped(Path file) {
    return file.toUri() + "?use_mmap=true";
  }

  @Override
  public ParquetFooter footer() {
    return footer;
  }

  @Override
  public Schema fileSchema() {
    return schema;
  }

  /**
   * The given columns (top-level names or dotted paths into structs, see {@link ColumnSelection}),
   * resolved against the file's schema; the whole file when {@code columns} is null.
   *
   * @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT for a name that selects
   *     no field
   */
  @Override
  public ColumnSelection select(List<String> columns) {
    return ColumnSelection.of(schema, columns, name);
  }

  /** The error for a column the file does not have, listing the ones it has. */
  public static RuntimeException unknownColumn(String column, String file, Schema schema) {
    return Errors.invalid("unknown column \"%s\" in %s; its columns are: %s", column, file,
        schema.getFields().stream().map(Field::getName).collect(Collectors.joining(", ")));
  }

  /** One scan of the file; close it when done with its reader. */
  public static final class Scan implements AutoCloseable {
    private final Scanner scanner;
    private final ArrowReader reader;
    private boolean closed;

    private Scan(Scanner scanner, ArrowReader reader) {
      this.scanner = scanner;
      this.reader = reader;
    }

    public ArrowReader reader() {
      return reader;
    }

    /** Closes the scanner and its reader; later calls do nothing (a spooled stream closes it early). */
    @Override
    public void close() throws Exception {
      if (!closed) {
        closed = true;
        AutoCloseables.close(reader, scanner);
      }
    }
  }

  /**
   * Starts a scan. The names go to the native scanner as they are: it resolves dotted paths with
   * the rule {@link ColumnSelection} checks them by.
   *
   * @param filter a serialized Substrait ExtendedExpression the scanner evaluates, or null
   */
  public Scan scan(List<String> columns, long batchRows, byte[] filter) {
    select(columns); // validates the names before the native scanner sees them
    ScanOptions.Builder options = new ScanOptions.Builder(batchRows)
        .columns(Optional.ofNullable(columns).map(c -> c.toArray(String[]::new)));
    if (filter != null) {
      options.substraitFilter(ByteBuffer.allocateDirect(filter.length).put(filter).flip());
    }
    Scanner scanner = null;
    try {
      scanner = dataset.newScan(options.build());
      return new Scan(scanner, scanner.scanBatches());
    } catch (RuntimeException e) {
      AutoCloseables.closeNoChecked(scanner);
      if (filter == null) {
        throw scanFailure(e);
      }
      throw Errors.invalid("Arrow cannot run the filter on %s (%s)", name,
          ReadFailure.describe(e, local, name));
    }
  }

  /**
   * The status for a failure of one of this file's scans: a native decode failure names the
   * object and its cause (see {@link ReadFailure#decode}); anything else is returned as it is.
   */
  public RuntimeException scanFailure(RuntimeException e) {
    return ReadFailure.isNative(e) ? ReadFailure.decode(e, local, name, this::damage) : e;
  }

  /** Where the damage is (see {@link DamageLocator}), searched once for this copy. */
  private synchronized Optional<String> damage() {
    if (damage == null) {
      damage = DamageLocator.locate(dataset, schema, footer);
    }
    return damage;
  }

  @Override
  public void close() throws Exception {
    dataset.close();
  }
}
