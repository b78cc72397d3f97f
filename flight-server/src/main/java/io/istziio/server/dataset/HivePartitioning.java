package io.istziio.server.dataset;

import io.istziio.client.protocol.ReadTicket;
import io.istziio.client.protocol.ReadTicket.PartitionValue;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Hive partitions of a dataset's files, found and typed as
 * {@code pyarrow.dataset.dataset(..., partitioning="hive")} (pyarrow 25) does it: each directory
 * segment {@code key=value} below the prefix is a partition column (split at the first {@code =},
 * both sides URI-decoded), in the order keys first appear over the files sorted by path; a column
 * is {@code int32} when every value casts to int32 as Arrow's cast does (an optional {@code -}
 * and decimal digits within int32's range, or {@code 0x} and 1 to 8 hex digits, read as 32
 * bits), else {@code string}; {@code __HIVE_DEFAULT_PARTITION__} is null, as is the value of a
 * key a file's path lacks. (Where pyarrow refuses a column whose values are all null, this types
 * it {@code string}.)
 */
public final class HivePartitioning {

  static final String NULL_VALUE = "__HIVE_DEFAULT_PARTITION__";
  private static final Pattern INT = Pattern.compile("-?[0-9]+");
  private static final Pattern HEX = Pattern.compile("0[xX][0-9a-fA-F]{1,8}");

  private HivePartitioning() {}

  /**
   * The partition values of each file, in the files' order; an empty list for each when the
   * dataset is not partitioned.
   *
   * @param partitioning {@code hive}, {@code none}, or null to detect: hive when every file's
   *     every directory segment is {@code key=value}
   */
  public static List<List<PartitionValue>> of(List<DatasetFile> files, String partitioning) {
    List<List<PartitionValue>> none = files.stream().map(f -> List.<PartitionValue>of()).toList();
    if (ReadTicket.NONE.equals(partitioning)
        || partitioning == null && !files.stream().allMatch(HivePartitioning::allKeyValue)) {
      return none;
    }
    List<Map<String, String>> parsed = new ArrayList<>();
    Map<String, Boolean> isInt = new LinkedHashMap<>(); // keys in order of first appearance
    for (DatasetFile file : files) {
      Map<String, String> values = segments(file.relative());
      parsed.add(values);
      values.forEach((key, value) -> isInt.merge(key, value == null || isInt32(value),
          Boolean::logicalAnd));
    }
    Map<String, Boolean> seenNonNull = new LinkedHashMap<>();
    parsed.forEach(values -> values.forEach((k, v) -> seenNonNull.merge(k, v != null, Boolean::logicalOr)));
    List<List<PartitionValue>> result = new ArrayList<>();
    for (Map<String, String> values : parsed) {
      List<PartitionValue> row = new ArrayList<>();
      isInt.forEach((key, integer) -> {
        boolean int32 = integer && seenNonNull.get(key);
        String value = values.get(key);
        row.add(new PartitionValue(key, int32 ? PartitionValue.INT32 : PartitionValue.STRING,
            value != null && int32 ? Integer.toString(parseInt32(value)) : value));
      });
      result.add(List.copyOf(row));
    }
    return result;
  }

  private static boolean allKeyValue(DatasetFile file) {
    String[] segments = file.relative().split("/", -1);
    for (int i = 0; i < segments.length - 1; i++) {
      if (segments[i].indexOf('=') <= 0) {
        return false;
      }
    }
    return true;
  }

  /** The {@code key=value} directory segments of a relative path, decoded; others are skipped. */
  private static Map<String, String> segments(String relative) {
    String[] segments = relative.split("/", -1);
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < segments.length - 1; i++) {
      int eq = segments[i].indexOf('=');
      if (eq <= 0) {
        continue;
      }
      String value = decode(segments[i].substring(eq + 1));
      values.put(decode(segments[i].substring(0, eq)), NULL_VALUE.equals(value) ? null : value);
    }
    return values;
  }

  static boolean isInt32(String value) {
    return parseInt32(value) != null;
  }

  /** The value as Arrow's string-to-int32 cast reads it, or null where that cast fails. */
  private static Integer parseInt32(String value) {
    if (HEX.matcher(value).matches()) {
      return (int) Long.parseLong(value.substring(2), 16);
    }
    if (!INT.matcher(value).matches()) {
      return null;
    }
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * Percent-decodes as pyarrow's {@code segment_encoding="uri"} does ({@code +} stays a plus);
   * text whose escapes are not UTF-8 is kept as written.
   */
  static String decode(String text) {
    if (text.indexOf('%') < 0) {
      return text;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] raw = text.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < raw.length; i++) {
      int hi = i + 2 < raw.length ? Character.digit(raw[i + 1], 16) : -1;
      int lo = i + 2 < raw.length ? Character.digit(raw[i + 2], 16) : -1;
      if (raw[i] == '%' && hi >= 0 && lo >= 0) {
        bytes.write(hi * 16 + lo);
        i += 2;
      } else {
        bytes.write(raw[i]);
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
    } catch (CharacterCodingException e) {
      return text;
    }
  }
}
