package io.istziio.server.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writing the local copy failed (typically "No space left on device"), as opposed to reading the
 * store's body: the cache must report its own disk, not blame the store, and not retry the store.
 */
public final class LocalWriteException extends RuntimeException {

  private final transient Path target;

  public LocalWriteException(Path target, IOException cause) {
    super("cannot write " + target + ": " + cause.getMessage(), cause);
    this.target = target;
  }

  public Path target() {
    return target;
  }

  /**
   * Copies {@code in} to the new file {@code target}, telling the two sides apart: an
   * IOException from {@code in} propagates as is, one from writing {@code target} becomes a
   * LocalWriteException.
   */
  public static void copy(InputStream in, Path target) throws IOException {
    OutputStream out;
    try {
      out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new LocalWriteException(target, e);
    }
    boolean closed = false;
    try {
      byte[] buffer = new byte[64 * 1024];
      int n;
      while ((n = in.read(buffer)) >= 0) { // a read failure propagates: the store's side
        try {
          out.write(buffer, 0, n);
        } catch (IOException e) {
          throw new LocalWriteException(target, e);
        }
      }
      closed = true;
      try {
        out.close(); // may flush, so it is a write too
      } catch (IOException e) {
        throw new LocalWriteException(target, e);
      }
    } finally {
      if (!closed) {
        try {
          out.close();
        } catch (IOException ignored) {
          // the first failure is the one to report
        }
      }
    }
  }
}
