package io.istziio.server.cache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small real filesystem for tests of a full disk: a tmpfs mounted on a fresh directory, which
 * needs root (CAP_SYS_ADMIN). Where it cannot be mounted, {@link #path} is null and {@link #whyNot}
 * says why, for the test to skip with.
 */
public final class Tmpfs implements AutoCloseable {

  private final Path path;
  private final String whyNot;

  private Tmpfs(Path path, String whyNot) {
    this.path = path;
    this.whyNot = whyNot;
  }

  /** Mounts a tmpfs of {@code bytes} on a new temporary directory named from {@code prefix}. */
  public static Tmpfs mount(String prefix, long bytes) throws IOException, InterruptedException {
    Path directory = Files.createTempDirectory(prefix);
    String out;
    int rc;
    try {
      Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + bytes, "tmpfs",
          directory.toString()).redirectErrorStream(true).start();
      out = new String(mount.getInputStream().readAllBytes()).trim();
      rc = mount.waitFor();
    } catch (IOException e) {
      out = e.getMessage();
      rc = -1;
    }
    if (rc != 0) {
      Files.deleteIfExists(directory);
      return new Tmpfs(null, "cannot mount a " + (bytes >> 20) + " MiB tmpfs here (needs root and "
          + "CAP_SYS_ADMIN): " + out);
    }
    return new Tmpfs(directory, null);
  }

  /** The mount point; null when it could not be mounted. */
  public Path path() {
    return path;
  }

  /** Why it could not be mounted; null when it was. */
  public String whyNot() {
    return whyNot;
  }

  /** Unmounts it and removes the mount point. */
  @Override
  public void close() throws IOException, InterruptedException {
    if (path != null) {
      new ProcessBuilder("umount", path.toString()).inheritIO().start().waitFor();
      Files.deleteIfExists(path);
    }
  }
}
