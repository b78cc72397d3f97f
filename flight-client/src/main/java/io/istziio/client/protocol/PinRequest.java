package io.istziio.client.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * The body of {@link Actions#PIN} and {@link Actions#UNPIN}: {@code {"path": "s3://bucket/a.parquet"}},
 * {@code {"path": "s3://bucket/table/"}} or {@code {"paths": [...]}}.
 *
 * @param path one object, a prefix ending in {@code /} or a glob. Pin lists a prefix or glob in
 *     the store (as a dataset is listed) and pins every object found; unpin matches it against
 *     the paths pinned on the node
 * @param paths instead of {@code path}: these objects
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record PinRequest(String path, List<String> paths) {

  static final String FIELDS = "path, paths";
  static final String EXAMPLE = "{\"path\": \"s3://bucket/key.parquet\"}";

  public static PinRequest of(String path) {
    return new PinRequest(path, null);
  }

  public static PinRequest ofPaths(List<String> paths) {
    return new PinRequest(null, List.copyOf(paths));
  }

  public byte[] toJsonBytes() {
    return Json.write(this);
  }

  /**
   * @param action {@link Actions#PIN} or {@link Actions#UNPIN}, for messages
   * @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT saying what to send
   */
  public static PinRequest parse(byte[] body, String action) {
    PinRequest request = ActionBody.parse(body, PinRequest.class, action, FIELDS, EXAMPLE);
    if (request == null) {
      throw ActionBody.invalid("the %s body is empty; send e.g. %s", action, EXAMPLE);
    }
    ActionBody.checkTarget(action, request.path(), request.paths());
    return request;
  }
}
