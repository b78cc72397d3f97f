package io.istziio.client.protocol;

import java.util.Locale;

/**
 * Byte counts as people write them: plain bytes, or a number with a binary (KiB, MiB, GiB, TiB)
 * or decimal (KB, MB, GB, TB) suffix, as the node's {@code --cache-size} and the CLI's
 * {@code resize} take them.
 */
public final class ByteSizes {

  private static final String[][] UNITS = {{"TIB", "1099511627776"}, {"GIB", "1073741824"},
      {"MIB", "1048576"}, {"KIB", "1024"}, {"TB", "1000000000000"}, {"GB", "1000000000"},
      {"MB", "1000000"}, {"KB", "1000"}, {"B", "1"}};

  private ByteSizes() {}

  /**
   * Parses {@code 1048576}, {@code 512MiB}, {@code 10GB}, {@code 1 GiB} (case-insensitive).
   *
   * @throws IllegalArgumentException for anything else, or a size beyond a long
   */
  public static long parse(String value) {
    String text = value.trim().toUpperCase(Locale.ROOT);
    try {
      for (String[] unit : UNITS) {
        if (text.endsWith(unit[0])) {
          long number = Long.parseLong(text.substring(0, text.length() - unit[0].length()).trim());
          return Math.multiplyExact(number, Long.parseLong(unit[1]));
        }
      }
      return Long.parseLong(text);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("not a size: \"" + value + "\"; give bytes, or a whole "
          + "number with KiB, MiB, GiB, TiB (or KB, MB, GB, TB), e.g. 512MiB");
    }
  }
}
