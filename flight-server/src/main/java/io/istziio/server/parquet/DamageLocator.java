package io.istziio.server.parquet;

import java.util.Optional;
import org.apache.arrow.dataset.scanner.ScanOptions;
import org.apache.arrow.dataset.scanner.Scanner;
import org.apache.arrow.dataset.source.Dataset;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Finds which column of a file holds a page that does not decode, for the message: a scan of all
 * columns fails without saying where. Each top-level column is scanned alone until one fails.
 * Not the row group: Arrow's scanner decodes row groups ahead and out of order, so the rows a
 * failed scan gave say nothing of where it failed, and Arrow Java cannot scan one row group.
 * Runs only after a scan failed, once per cached copy.
 */
final class DamageLocator {

  /** Files whose footer says more than this many uncompressed bytes are not searched. */
  static final long MAX_SEARCHED_BYTES = 256L << 20;

  private DamageLocator() {}

  /**
   * "column \"c\"", or empty when the file is too large to search or every column decodes
   * alone.
   */
  static Optional<String> locate(Dataset dataset, Schema schema, ParquetFooter footer) {
    if (footer.bytes(null) > MAX_SEARCHED_BYTES) {
      return Optional.empty();
    }
    for (Field field : schema.getFields()) {
      ScanOptions options = new ScanOptions.Builder(1 << 16)
          .columns(Optional.of(new String[] {field.getName()})).build();
      try (Scanner scanner = dataset.newScan(options); ArrowReader reader = scanner.scanBatches()) {
        while (reader.loadNextBatch()) {
          // decoding is the test
        }
      } catch (Exception e) {
        if (ReadFailure.isNative(e)) {
          return Optional.of("column \"" + field.getName() + "\"");
        }
        return Optional.empty(); // a failure of the node's own: say nothing rather than guess
      }
    }
    return Optional.empty();
  }
}
