package io.istziio.client.cli;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DateMilliVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;

/**
 * One Arrow value as text, for the printed table and for CSV: dates and timestamps in ISO 8601
 * (a timestamp with a time zone as a UTC instant, {@code 2024-01-01T00:00:37Z}; one without as
 * wall time), decimals in plain notation, binary as hex.
 */
final class Values {

  private static final long DAY_MILLIS = 86_400_000L;

  private Values() {}

  /** The value's text, or null for a null; a dictionary-encoded vector prints its indices. */
  static String format(FieldVector vector, int index) {
    return format(vector, index, null);
  }

  /**
   * The value's text, or null for a null; a dictionary-encoded vector's value is looked up in
   * {@code dictionaries} (the batch's, from the read).
   */
  static String format(FieldVector vector, int index, DictionaryProvider dictionaries) {
    if (vector.isNull(index)) {
      return null;
    }
    DictionaryEncoding encoding = vector.getField().getDictionary();
    if (encoding != null && dictionaries != null && vector instanceof BaseIntVector indices) {
      FieldVector values = dictionaries.lookup(encoding.getId()).getVector();
      return format(values, Math.toIntExact(indices.getValueAsLong(index)), dictionaries);
    }
    if (vector instanceof DateDayVector days) {
      return LocalDate.ofEpochDay(days.get(index)).toString();
    }
    if (vector instanceof DateMilliVector millis) {
      return LocalDate.ofEpochDay(Math.floorDiv(millis.get(index), DAY_MILLIS)).toString();
    }
    if (vector instanceof TimeStampVector timestamps) {
      ArrowType.Timestamp type = (ArrowType.Timestamp) vector.getField().getType();
      Instant instant = instant(timestamps.get(index), type);
      return type.getTimezone() != null
          ? instant.toString()
          : LocalDateTime.ofInstant(instant, ZoneOffset.UTC).toString();
    }
    Object value = vector.getObject(index);
    if (value instanceof BigDecimal decimal) {
      return decimal.toPlainString();
    }
    if (value instanceof byte[] bytes) {
      return HexFormat.of().formatHex(bytes);
    }
    return String.valueOf(value);
  }

  private static Instant instant(long value, ArrowType.Timestamp type) {
    return switch (type.getUnit()) {
      case SECOND -> Instant.ofEpochSecond(value);
      case MILLISECOND -> Instant.ofEpochMilli(value);
      case MICROSECOND -> Instant.ofEpochSecond(
          Math.floorDiv(value, 1_000_000L), Math.floorMod(value, 1_000_000L) * 1_000L);
      case NANOSECOND -> Instant.ofEpochSecond(
          Math.floorDiv(value, 1_000_000_000L), Math.floorMod(value, 1_000_000_000L));
    };
  }
}
