package io.istziio.server.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.server.filter.Filter.Column;
import io.istziio.server.filter.Filter.Compare;
import io.istziio.server.filter.Filter.Literal;
import io.istziio.server.filter.Filter.LiteralKind;
import io.istziio.server.filter.Filter.Op;
import java.util.List;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The grammar's corners; the end-to-end behaviour is in PushdownTest. */
class FilterParserTest {

  @Test
  void notBindsLooserThanComparisonAndAndTighterThanOr() {
    Filter filter = FilterParser.parse("NOT a = 1 AND b > -2 OR c <= .5");
    Filter.Or or = (Filter.Or) filter;
    Filter.And and = (Filter.And) or.operands().get(0);
    assertEquals(new Filter.Not(new Compare(new Column("a", 4), Op.EQ, new Literal(LiteralKind.INTEGER, "1", 8))),
        and.operands().get(0));
    assertEquals(new Compare(new Column("b", 14), Op.GT, new Literal(LiteralKind.INTEGER, "-2", 18)),
        and.operands().get(1));
    assertEquals(new Literal(LiteralKind.DECIMAL, ".5", 29), ((Compare) or.operands().get(1)).right());
  }

  @Test
  void quotedNamesTypedLiteralsAndColumnsCalledDate() {
    Filter filter = FilterParser.parse("\"col \"\"1\"\"\" = 'it''s' AND date >= DATE '2024-01-01'");
    List<Filter> parts = ((Filter.And) filter).operands();
    assertEquals(new Column("col \"1\"", 0), ((Compare) parts.get(0)).left());
    assertEquals("it's", ((Literal) ((Compare) parts.get(0)).right()).text());
    assertEquals(new Column("date", 26), ((Compare) parts.get(1)).left());
    assertEquals(LiteralKind.DATE, ((Literal) ((Compare) parts.get(1)).right()).kind());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "id >|4|expected a column name or a value after \">\", found the end of the filter",
      "id > 5 5|7|expected AND, OR or the end of the filter, found \"5\"",
      "(id > 5|7|expected \")\" to close the \"(\" at position 0",
      "id BETWEEN 1 OR 2|13|expected AND between the two bounds of BETWEEN",
      "id IN (1, 2|11|expected \",\" or \")\" in the IN list",
      "name = 'abc|7|the string opened here is never closed",
      "x > 1e|6|expected the digits of the exponent",
      "x ~ 1|2|unexpected character '~'",
      "x IS 5|5|expected NULL after IS"})
  void errorsNameThePositionAndWhatWasExpected(String text, int position, String expected) {
    FlightRuntimeException e = assertThrows(FlightRuntimeException.class, () -> FilterParser.parse(text));
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
    String message = e.status().description();
    assertTrue(message.startsWith("filter does not parse at position " + position + ": "), message);
    assertTrue(message.contains(expected), message);
  }

  @Test
  void deepNestingIsRefusedNotACrash() {
    String deep = "(".repeat(5000) + "a = 1" + ")".repeat(5000);
    FlightRuntimeException e = assertThrows(FlightRuntimeException.class, () -> FilterParser.parse(deep));
    assertTrue(e.status().description().contains("nests deeper than"));
  }
}
