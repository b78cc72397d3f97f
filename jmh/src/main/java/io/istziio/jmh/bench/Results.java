package io.istziio.jmh.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** A flat JSON object of figures, printed on one line for scripts/bench to collect. */
final class Results {

  private final Map<String, Object> values = new LinkedHashMap<>();

  Results put(String key, Object value) {
    values.put(key, value);
    return this;
  }

  void print() {
    System.out.println(values.entrySet().stream()
        .map(e -> "\"" + e.getKey() + "\": " + (e.getValue() instanceof String text
            ? "\"" + text.replace("\"", "'") + "\"" : e.getValue()))
        .collect(Collectors.joining(", ", "{", "}")));
  }
}
