package io.istziio.server.handoff;

import io.istziio.server.Errors;
import io.istziio.server.cache.CacheKey;
import io.istziio.server.cache.DiskCache;
import io.istziio.server.cache.Lease;
import io.istziio.server.cache.ObjectCache;
import io.istziio.server.store.ObjectPath;
import io.istziio.server.store.ObjectVersion;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.apache.arrow.flight.BackpressureStrategy;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The holder's side of a hand-off: streams the bytes of the cached Parquet file a peer asks for
 * ({@link PeerTicket}), as record batches of one binary column holding one chunk each, in file
 * order. The schema's metadata names the copy's version ({@link #ETAG}, {@link #SIZE}), so that
 * the asking node can check it against S3 before it reads a byte. Only what the disk tier holds
 * is sent: the node never downloads for a peer, and answers NOT_FOUND at once when it holds
 * nothing. The stream is paced by the caller (Flight's backpressure), one chunk in memory.
 */
public final class PeerObjectStream {

  /** Schema metadata: the ETag of the copy sent. */
  public static final String ETAG = "istziio.etag";
  /** Schema metadata: the copy's length in bytes. */
  public static final String SIZE = "istziio.size";
  /** Bytes per batch: well under gRPC's usual 4 MiB message limit. */
  static final int CHUNK_BYTES = 1 << 20;
  private static final List<Field> FIELDS = List.of(
      new Field("chunk", FieldType.notNullable(ArrowType.Binary.INSTANCE), null));
  private static final long WAIT_SLICE_MILLIS = 1_000;
  private static final long IDLE_LIMIT_MILLIS = 60_000;

  private final Lease lease;
  private final String path;
  private final BufferAllocator allocator;
  private final ServerStreamListener listener;
  private final BackpressureStrategy backpressure =
      new BackpressureStrategy.CallbackBackpressureStrategy();

  private PeerObjectStream(Lease lease, String path, BufferAllocator allocator,
      ServerStreamListener listener) {
    this.lease = lease;
    this.path = path;
    this.allocator = allocator;
    this.listener = listener;
  }

  /**
   * Answers a peer ticket: NOT_FOUND right here when the disk tier holds no copy of the path's
   * known version, else the stream on {@code streams}. Errors go to the listener.
   */
  public static void start(byte[] ticket, ObjectCache objects, DiskCache disk,
      BufferAllocator allocator, Executor streams, ServerStreamListener listener) {
    Lease lease;
    String path;
    try {
      path = ObjectPath.parse(PeerTicket.path(ticket)).uri();
      Optional<ObjectVersion> version = objects.knownVersion(ObjectPath.parse(path))
          .or(() -> disk.restoredVersion(path));
      lease = version.map(v -> disk.acquireCached(new CacheKey(path, v.etag()))).orElse(null);
      if (lease == null) {
        throw Errors.notFound("this node holds no copy of %s to hand off", path);
      }
    } catch (RuntimeException e) {
      listener.error(Errors.toFlight(e, "peer-object"));
      return;
    }
    PeerObjectStream stream = new PeerObjectStream(lease, path, allocator, listener);
    try {
      streams.execute(stream::run);
    } catch (RejectedExecutionException full) {
      lease.close();
      listener.error(Errors.unavailable("the node is busy or shutting down; fetch %s elsewhere",
          path));
    }
  }

  private void run() {
    try (Lease held = lease;
        FileChannel file = FileChannel.open(held.path(), StandardOpenOption.READ);
        VectorSchemaRoot root = VectorSchemaRoot.create(schema(held, file.size()), allocator)) {
      backpressure.register(listener);
      listener.setUseZeroCopy(false); // the chunk's buffer is refilled right after putNext
      listener.start(root);
      VarBinaryVector chunk = (VarBinaryVector) root.getVector(0);
      ByteBuffer buffer = ByteBuffer.allocate(CHUNK_BYTES);
      while (readChunk(file, buffer)) {
        if (!awaitPeer()) {
          return; // the peer cancelled: it took its copy elsewhere
        }
        chunk.setSafe(0, buffer.array(), 0, buffer.limit());
        chunk.setValueCount(1);
        root.setRowCount(1);
        listener.putNext();
      }
      listener.completed();
    } catch (Exception e) {
      listener.error(Errors.toFlight(e, "handing off " + path));
    }
  }

  private static Schema schema(Lease lease, long size) {
    return new Schema(FIELDS,
        Map.of(ETAG, lease.key().etag(), SIZE, Long.toString(size)));
  }

  /** Fills {@code buffer} from the file (flipped for reading); false at the end of the file. */
  private static boolean readChunk(FileChannel file, ByteBuffer buffer) throws IOException {
    buffer.clear();
    while (buffer.hasRemaining() && file.read(buffer) >= 0) {
      // reads until the chunk is full or the file ends
    }
    buffer.flip();
    return buffer.hasRemaining();
  }

  /** Waits until the peer can take another chunk; false if it cancelled. */
  private boolean awaitPeer() {
    long idleSince = System.currentTimeMillis();
    while (true) {
      switch (backpressure.waitForListener(WAIT_SLICE_MILLIS)) {
        case READY:
          return true;
        case CANCELLED:
          return false;
        case OTHER: // interrupted: the node is closing
          throw CallStatus.UNAVAILABLE.withDescription("the node is shutting down")
              .toRuntimeException();
        default:
          if (System.currentTimeMillis() - idleSince > IDLE_LIMIT_MILLIS) {
            throw CallStatus.TIMED_OUT.withDescription("the peer took no chunk for a minute")
                .toRuntimeException();
          }
      }
    }
  }
}
