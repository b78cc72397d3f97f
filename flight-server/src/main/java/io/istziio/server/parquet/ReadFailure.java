package io.istziio.server.parquet;

import io.istziio.server.Errors;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.arrow.flight.FlightRuntimeException;

/**
 * A failure of Arrow's native Parquet reader on an object, as a client hears it: the status of
 * its cause, the object's path (never the node's cache path) and the reader's own first line.
 *
 * <p>What the footer shows is refused before this (see {@link FooterCheck}); what is left is
 * found only by decoding: a damaged page (INVALID_ARGUMENT, as for a damaged footer) or a feature
 * the reader lacks that the footer does not show (UNIMPLEMENTED).
 */
public final class ReadFailure {

  /** Phrases of Arrow C++'s messages for what it lacks rather than what is wrong with the file. */
  private static final List<String> MISSING = List.of("not built", "not supported",
      "notimplemented", "not implemented", "unsupported");

  /**
   * Arrow's phrases that only repeat which file it read (the message names the object anyway) or
   * guess wrongly that it may not be Parquet; {@code %s} stands for the object's path.
   */
  private static final List<String> NOISE = List.of("Error creating dataset. ",
      "Could not read schema from '%s'. Is this a 'parquet' file?: ",
      "Could not open Parquet input source '%s': ");

  private ReadFailure() {}

  /**
   * Whether {@code t} came from the native reader: Arrow's JNI layer throws plain
   * RuntimeExceptions, while the node's own failures (an allocator's limit, a bug) have classes of
   * their own and stay internal errors.
   */
  public static boolean isNative(Throwable t) {
    return t.getClass() == RuntimeException.class;
  }

  /**
   * A schema Arrow cannot read although its footer parsed and passed {@link FooterCheck}: a shape
   * of schema (an unusual map or list) that the reader does not take, so UNIMPLEMENTED; or a
   * stored Arrow schema that does not parse, which is damage (INVALID_ARGUMENT).
   *
   * @param e what the native reader threw ({@link #isNative})
   * @param local the node's copy of the object, whose path is replaced by {@code name}
   * @param name the object's path
   */
  public static FlightRuntimeException schema(Throwable e, Path local, String name) {
    String cause = describe(e, local, name);
    if (cause.toLowerCase(java.util.Locale.ROOT).contains("flatbuffer")) {
      // The footer parsed but its ARROW:schema entry (pyarrow's stored schema) did not: damage.
      return Errors.invalid("%s is damaged: its stored Arrow schema (the footer's ARROW:schema "
          + "entry) does not parse (%s); write the object again", name, cause);
    }
    return Errors.unimplemented("this node's Parquet reader cannot read the schema of %s (%s)",
        name, cause);
  }

  /**
   * A failure while decoding the file's pages: UNIMPLEMENTED if the reader says it lacks
   * something, else INVALID_ARGUMENT for a damaged object, naming where when {@code where} finds
   * it.
   *
   * @param e what the native reader threw ({@link #isNative})
   * @param local the node's copy of the object, whose path is replaced by {@code name}
   * @param name the object's path
   * @param where the damaged part, e.g. "column \"a\"", asked only for damage
   */
  public static FlightRuntimeException decode(Throwable e, Path local, String name,
      Supplier<Optional<String>> where) {
    String cause = describe(e, local, name);
    if (isMissingFeature(cause)) {
      return Errors.unimplemented("%s uses what this node's Parquet reader lacks (%s)", name, cause);
    }
    String part = where.get().map(w -> "a page of " + w).orElse("a page");
    return Errors.invalid("%s is damaged: %s does not decode (%s); write the object again",
        name, part, cause);
  }

  /** The reader's first line, with the node's copy named as the object and Arrow's noise cut. */
  static String describe(Throwable e, Path local, String name) {
    String message = Errors.firstLine(e).replace(local.toUri().toString(), name)
        .replace("file://" + local, name).replace(local.toString(), name);
    for (String noise : NOISE) {
      message = message.replace(noise.replace("%s", name), "");
    }
    return message.isBlank() ? "no reason given" : message;
  }

  private static boolean isMissingFeature(String message) {
    String lower = message.toLowerCase(Locale.ROOT);
    return MISSING.stream().anyMatch(lower::contains);
  }
}
