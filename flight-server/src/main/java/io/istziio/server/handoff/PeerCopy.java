package io.istziio.server.handoff;

import io.istziio.ring.Member;
import io.istziio.server.Errors;
import io.istziio.server.store.LocalWriteException;
import io.istziio.server.store.ObjectContent;
import io.istziio.server.store.ObjectPath;
import io.istziio.server.store.ObjectVersion;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A peer's copy of an object, checked against S3's current version, as it streams in: written
 * chunk by chunk to the target file straight from the Arrow buffers (never whole in the heap). If
 * the peer breaks off, the file is started over from S3, provided S3 still holds the same version.
 * Used by the one download thread of the object.
 */
final class PeerCopy implements ObjectContent {

  private static final Logger LOG = LoggerFactory.getLogger(PeerCopy.class);

  private final ObjectPath path;
  private final Member peer;
  private final ObjectVersion version;
  private final FlightStream stream;
  private final PeerFillStore.Asked asked;
  private final PeerFillStore owner;
  private boolean fromPeer;

  PeerCopy(ObjectPath path, Member peer, ObjectVersion version, PeerFillStore.Asked asked,
      PeerFillStore owner) {
    this.path = path;
    this.peer = peer;
    this.version = version;
    this.asked = asked;
    this.stream = asked.stream();
    this.owner = owner;
  }

  @Override
  public ObjectVersion version() {
    return version;
  }

  @Override
  public void transferTo(Path target) {
    long written;
    try {
      written = copy(target);
    } catch (LocalWriteException full) {
      throw full; // this node's disk, not the peer: the same would happen with S3
    } catch (RuntimeException | IOException e) {
      owner.failed(peer);
      LOG.info("peer {} broke off the hand-off of {} ({}); reading it from S3", peer.id(), path,
          Errors.firstLine(e));
      fromS3(target);
      return;
    }
    if (written != version.size()) {
      owner.failed(peer);
      LOG.info("peer {} sent {} bytes of {}, not {}; reading it from S3", peer.id(), written,
          path, version.size());
      fromS3(target);
      return;
    }
    fromPeer = true;
    owner.filled(written);
  }

  /** Writes every chunk to the new file {@code target}; returns the bytes written. */
  private long copy(Path target) throws IOException {
    FileChannel out;
    try {
      out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new LocalWriteException(target, e);
    }
    try (out) {
      long written = 0;
      VectorSchemaRoot root = stream.getRoot();
      while (next()) {
        VarBinaryVector chunks = (VarBinaryVector) root.getVector(0);
        ArrowBuf data = chunks.getDataBuffer();
        for (int i = 0; i < root.getRowCount(); i++) {
          long start = chunks.getStartOffset(i);
          int length = chunks.getValueLength(i);
          ByteBuffer bytes = data.nioBuffer(start, length);
          try {
            while (bytes.hasRemaining()) {
              out.write(bytes);
            }
          } catch (IOException e) {
            throw new LocalWriteException(target, e);
          }
          written += length;
          if (written > version.size()) {
            return written; // more than the version holds: not that version
          }
        }
      }
      return written;
    }
  }

  /** The peer's next chunk, waiting on it no longer than the silence timeout. */
  private boolean next() {
    asked.watch().expect();
    boolean more = stream.next();
    asked.watch().heard();
    return more;
  }

  /** Starts {@code target} over from S3, if S3 still holds this version. */
  private void fromS3(Path target) {
    try {
      Files.deleteIfExists(target);
    } catch (IOException e) {
      throw new LocalWriteException(target, e);
    }
    try (ObjectContent content = owner.store().open(path)) {
      if (!content.version().etag().equals(version.etag())) {
        throw Errors.storeUnavailable("%s changed during its download (from version %s to %s); "
            + "retry", path, version.etag(), content.version().etag());
      }
      content.transferTo(target);
    }
  }

  @Override
  public boolean fromPeer() {
    return fromPeer;
  }

  @Override
  public void close() {
    asked.close();
  }
}
