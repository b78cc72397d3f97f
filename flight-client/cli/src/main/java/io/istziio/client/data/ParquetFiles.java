package io.istziio.client.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.arrow.dataset.file.DatasetFileWriter;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * Writes one Parquet file with Arrow Dataset's native writer from the batches of an
 * {@link ArrowReader}, which it pulls one at a time, so the file never sits in memory whole.
 */
public final class ParquetFiles {

  private ParquetFiles() {}

  /**
   * Writes the reader's batches (one row group per batch, as Arrow Dataset does) to {@code file},
   * replacing it. Takes ownership of {@code reader} and closes it; on return the allocator holds
   * none of the writer's memory any more, so the caller may close it.
   */
  public static void write(Path file, BufferAllocator allocator, ArrowReader reader)
      throws IOException {
    // The dataset writer names its own files inside a directory: write there, then move.
    Path staging = file.resolveSibling("." + file.getFileName() + ".staging-"
        + ProcessHandle.current().pid() + "-" + Thread.currentThread().getId());
    try {
      deleteTree(staging);
      Files.createDirectories(staging);
      try (reader) {
        DatasetFileWriter.write(allocator, reader, FileFormat.PARQUET, staging.toUri().toString(),
            new String[0], 1, "part-{i}.parquet");
      }
      awaitNativeRelease(allocator);
      List<Path> written = new ArrayList<>();
      try (DirectoryStream<Path> parts = Files.newDirectoryStream(staging, "*.parquet")) {
        parts.forEach(written::add);
      }
      if (written.size() != 1) {
        throw new IOException("the Parquet writer made " + written.size() + " files for " + file
            + "; expected one");
      }
      Files.move(written.get(0), file, StandardCopyOption.REPLACE_EXISTING);
    } catch (RuntimeException e) {
      awaitNativeRelease(allocator);
      throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
    } finally {
      deleteTree(staging);
    }
  }

  /**
   * The native writer may drop its last exported batch on one of its own threads just after the
   * write returns; wait for that (at most 5 s) before the allocator is checked for leaks.
   */
  public static void awaitNativeRelease(BufferAllocator allocator) {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (allocator.getAllocatedMemory() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }
}
