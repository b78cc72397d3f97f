package io.istziio.client.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightRuntimeException;

/**
 * Strict parsing of an admin action's JSON body: an unknown field, a wrong type or text that is
 * not JSON is INVALID_ARGUMENT naming the action, its fields and an example to send.
 */
final class ActionBody {

  /** The most objects one {@code paths} list may name, as for a dataset ticket. */
  static final int MAX_PATHS = ReadTicket.MAX_PATHS;

  /**
   * The protocol's mapper with no scalar coercion: {@code "path": 5}, {@code "disk_bytes": "10"},
   * {@code "disk_bytes": 1.5} and {@code "force": 1} are wrong types, not guesses.
   */
  private static final ObjectMapper STRICT = strict();

  private static ObjectMapper strict() {
    ObjectMapper mapper = Json.MAPPER.copy();
    mapper.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
    mapper.coercionConfigFor(LogicalType.Textual)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    mapper.coercionConfigFor(LogicalType.Integer)
        .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    mapper.coercionConfigFor(LogicalType.Boolean)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.String, CoercionAction.Fail);
    return mapper;
  }

  private ActionBody() {}

  /**
   * @param action the action's name, for messages
   * @param fields the body's fields, comma-separated, for messages
   * @param example a body to send, for messages
   * @return the body; null when it is empty (no bytes), which some actions accept
   */
  static <T> T parse(byte[] body, Class<T> type, String action, String fields, String example) {
    if (body == null || body.length == 0) {
      return null;
    }
    try {
      return STRICT.readValue(body, type);
    } catch (UnrecognizedPropertyException e) {
      throw invalid("unknown field \"%s\" in the %s body; it takes %s, e.g. %s",
          shorten(e.getPropertyName()), action, fields, example);
    } catch (StreamConstraintsException e) {
      throw invalid("the %s body exceeds a JSON parser limit; send e.g. %s", action, example);
    } catch (MismatchedInputException e) {
      String field = e.getPath().isEmpty() ? null : e.getPath().get(0).getFieldName();
      throw field == null
          ? invalid("the %s body must be a JSON object such as %s", action, example)
          : invalid("field \"%s\" of the %s body has the wrong type; send e.g. %s",
              shorten(field), action, example);
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? ""
          : String.format(" at line %d, column %d", e.getLocation().getLineNr(),
              e.getLocation().getColumnNr());
      throw invalid("the %s body is not valid JSON%s; send UTF-8 JSON such as %s", action, where,
          example);
    } catch (IOException e) {
      throw invalid("the %s body could not be read; send e.g. %s", action, example);
    }
  }

  /**
   * Checks that a body names its objects by exactly one of {@code path} (an object, a prefix
   * ending in {@code /} or a glob holding {@code *}) and {@code paths} (a list of objects).
   */
  static void checkTarget(String action, String path, List<String> paths) {
    if (path != null && paths != null) {
      throw invalid("the %s body has both \"path\" and \"paths\"; send one of them", action);
    }
    if (paths == null) {
      if (path == null || path.isBlank()) {
        throw invalid("the %s body names no object; send {\"path\": \"s3://bucket/key.parquet\"} "
            + "(or a prefix ending in /, or a glob), or {\"paths\": [...]}", action);
      }
      return;
    }
    if (paths.isEmpty()) {
      throw invalid("\"paths\" of the %s body is empty; list at least one object path", action);
    }
    if (paths.size() > MAX_PATHS) {
      throw invalid("\"paths\" of the %s body lists %d objects; at most %d are taken: split it",
          action, paths.size(), MAX_PATHS);
    }
    Set<String> seen = new HashSet<>();
    for (String each : paths) {
      if (each == null || each.isBlank()) {
        throw invalid("\"paths\" of the %s body holds a null or blank path; list object paths "
            + "as strings", action);
      }
      if (each.endsWith("/") || each.indexOf('*') >= 0) {
        throw invalid("\"paths\" of the %s body lists objects, not \"%s\"; send a prefix or glob "
            + "as \"path\"", action, shorten(each));
      }
      if (!seen.add(each)) {
        throw invalid("\"%s\" is listed twice in \"paths\" of the %s body", shorten(each), action);
      }
    }
  }

  /** Whether a {@code path} names many objects: a prefix ending in {@code /} or a glob. */
  static boolean isPattern(String path) {
    return path != null && (path.endsWith("/") || path.indexOf('*') >= 0);
  }

  static FlightRuntimeException invalid(String format, Object... args) {
    return CallStatus.INVALID_ARGUMENT.withDescription(String.format(format, args))
        .toRuntimeException();
  }

  /** User input cut to 200 characters for a message (see ReadTicket's). */
  static String shorten(String input) {
    if (input == null || input.length() <= 200) {
      return input;
    }
    int end = Character.isHighSurrogate(input.charAt(199)) ? 199 : 200;
    return input.substring(0, end) + "...(" + (input.length() - end) + " more characters)";
  }
}
