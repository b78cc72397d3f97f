package io.istziio.client.replay;

import io.istziio.client.protocol.ReadTicket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.dataset.file.FileSystemDatasetFactory;
import org.apache.arrow.dataset.jni.NativeMemoryPool;
import org.apache.arrow.dataset.scanner.ScanOptions;
import org.apache.arrow.dataset.scanner.Scanner;
import org.apache.arrow.dataset.source.Dataset;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The no-cache baseline, as ISTZIO's client worked: fetch the whole object from the store, then
 * decode it in the client with Arrow Dataset (with the projection). Local files are scanned where
 * they are. Filters are not evaluated here; the replay refuses them with this source.
 */
public final class DirectSource implements Source {

  private final S3Client s3;
  private final BufferAllocator allocator = new RootAllocator();

  /** @param s3 for s3:// paths; may be null if the manifest has none */
  public DirectSource(S3Client s3) {
    this.s3 = s3;
  }

  @Override
  public String mode() {
    return "direct";
  }

  @Override
  public RequestRecord read(Trace.Request request, ReadTicket ticket, long startLagNanos, boolean cold) {
    long start = System.nanoTime();
    Path temporary = null;
    try {
      URI uri = URI.create(ticket.path());
      Path file;
      if ("s3".equals(uri.getScheme())) {
        if (s3 == null) {
          throw new IllegalStateException("no S3 client for " + ticket.path());
        }
        temporary = Files.createTempFile("istziio-direct", ".parquet");
        Files.delete(temporary);
        Path target = temporary;
        s3.getObject(b -> b.bucket(uri.getAuthority()).key(uri.getPath().substring(1)),
            ResponseTransformer.toFile(target));
        file = temporary;
      } else {
        file = Path.of(uri);
      }
      long fetched = System.nanoTime();
      long first = -1;
      long rows = 0;
      long bytes = 0;
      try (BufferAllocator child = allocator.newChildAllocator("direct", 0, Long.MAX_VALUE);
          FileSystemDatasetFactory factory = new FileSystemDatasetFactory(child,
              NativeMemoryPool.getDefault(), FileFormat.PARQUET, file.toUri().toString());
          Dataset dataset = factory.finish();
          Scanner scanner = dataset.newScan(new ScanOptions.Builder(32_768)
              .columns(Optional.ofNullable(ticket.columns()).map(c -> c.toArray(String[]::new)))
              .build());
          ArrowReader reader = scanner.scanBatches()) {
        VectorSchemaRoot root = reader.getVectorSchemaRoot();
        while (reader.loadNextBatch()) {
          if (first < 0) {
            first = System.nanoTime();
          }
          rows += root.getRowCount();
          for (FieldVector vector : root.getFieldVectors()) {
            bytes += vector.getBufferSize();
          }
        }
      }
      long end = System.nanoTime();
      first = first < 0 ? end : first;
      return new RequestRecord(request.sequence(), request.fileIndex(), ticket.path(), mode(),
          request.atMillis(), startLagNanos, startLagNanos + end - start, 0, first - start, end - first, rows,
          bytes, "direct", fetched - start, end - fetched, "direct", cold, null);
    } catch (Exception | LinkageError e) {
      return new RequestRecord(request.sequence(), request.fileIndex(), ticket.path(), mode(),
          request.atMillis(), startLagNanos, startLagNanos + System.nanoTime() - start, 0, -1, -1, 0, 0,
          "direct", -1, -1, "direct", cold, e.toString());
    } finally {
      if (temporary != null) {
        temporary.toFile().delete();
      }
    }
  }

  @Override
  public void close() {
    if (s3 != null) {
      s3.close();
    }
    allocator.close();
  }
}
