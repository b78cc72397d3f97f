package io.istziio.server.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/** Literals with huge exponents are refused at once, without building their digits. */
class FilterBinderLiteralTest {

  private static final Schema SCHEMA = new Schema(List.of(
      Field.nullable("u", new ArrowType.Int(8, false)),
      Field.nullable("u64", new ArrowType.Int(64, false)),
      Field.nullable("d", new ArrowType.Decimal(10, 2, 128))));

  private static String refusal(String filter) {
    FlightRuntimeException e = assertTimeoutPreemptively(Duration.ofSeconds(2),
        () -> assertThrows(FlightRuntimeException.class,
            () -> FilterBinder.bind(FilterParser.parse(filter), SCHEMA)));
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code(), e.getMessage());
    return e.status().description();
  }

  @Test
  void aHugeExponentIsOutOfRangeAtOnce() {
    assertTrue(refusal("u = 1e500000000").contains("out of the range of uint8"));
    assertTrue(refusal("u64 = 1e500000000").contains("out of the range of uint64"));
    assertTrue(refusal("d = 1e500000000").contains("more digits than decimal(10,2)"));
    assertTrue(refusal("d = 1e-500000000").contains("more than 2 decimal places"));
  }

  @Test
  void literalsInRangeStillBind() {
    BoundFilter.Compare u = (BoundFilter.Compare) FilterBinder.bind(FilterParser.parse("u = 2.5e2"), SCHEMA);
    BoundFilter.Compare u64 = (BoundFilter.Compare) FilterBinder.bind(
        FilterParser.parse("u64 = 18446744073709551615"), SCHEMA);
    BoundFilter.Compare d = (BoundFilter.Compare) FilterBinder.bind(FilterParser.parse("d = 12345678.9e0"), SCHEMA);

    assertEquals(250L, u.value());
    assertEquals(-1L, u64.value());
    assertEquals(new BigDecimal("12345678.90"), d.value());
    assertTrue(refusal("u = 256").contains("out of the range of uint8"));
    assertTrue(refusal("d = 123456789").contains("more digits than decimal(10,2)"));
  }
}
