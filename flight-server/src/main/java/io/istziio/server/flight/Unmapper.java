package io.istziio.server.flight;

import java.lang.reflect.Field;
import java.nio.MappedByteBuffer;

/**
 * Unmaps a file map at once. The JDK unmaps a {@link MappedByteBuffer} only when it is garbage
 * collected, which a stream that maps every batch it sends cannot wait for (a process may hold
 * about 65,000 maps: {@code vm.max_map_count}); {@code sun.misc.Unsafe#invokeCleaner}, in the
 * {@code jdk.unsupported} module, is the JDK's way to do it sooner.
 */
final class Unmapper {

  private static final sun.misc.Unsafe UNSAFE = unsafe();

  private Unmapper() {}

  /** Unmaps {@code mapped}; it must not be read afterwards (a read would crash the process). */
  static void unmap(MappedByteBuffer mapped) {
    UNSAFE.invokeCleaner(mapped);
  }

  private static sun.misc.Unsafe unsafe() {
    try {
      Field field = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
      field.setAccessible(true);
      return (sun.misc.Unsafe) field.get(null);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
