package io.istziio.client.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * The body of {@link Actions#EVICT}: which cached copies a node drops from its disk and memory
 * tiers. {@code {"path": "s3://bucket/table/"}}, {@code {"paths": [...], "force": true}}.
 *
 * @param path one object, a prefix ending in {@code /} (every cached path starting with it) or a
 *     glob ({@code *} within a segment, {@code **} any depth), matched against what the node holds
 * @param paths instead of {@code path}: these objects
 * @param force also evict pinned copies, unpinning them; without it they are left and reported
 *     in {@link EvictResult#skippedPinned}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record EvictRequest(String path, List<String> paths, Boolean force) {

  static final String FIELDS = "path, paths, force";
  static final String EXAMPLE = "{\"path\": \"s3://bucket/table/\"}";

  public static EvictRequest of(String path, boolean force) {
    return new EvictRequest(path, null, force ? Boolean.TRUE : null);
  }

  public static EvictRequest ofPaths(List<String> paths, boolean force) {
    return new EvictRequest(null, List.copyOf(paths), force ? Boolean.TRUE : null);
  }

  @JsonIgnore
  public boolean forced() {
    return Boolean.TRUE.equals(force);
  }

  public byte[] toJsonBytes() {
    return Json.write(this);
  }

  /** @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT saying what to send */
  public static EvictRequest parse(byte[] body) {
    EvictRequest request = ActionBody.parse(body, EvictRequest.class, Actions.EVICT, FIELDS, EXAMPLE);
    if (request == null) {
      throw ActionBody.invalid("the evict body is empty; send e.g. %s", EXAMPLE);
    }
    ActionBody.checkTarget(Actions.EVICT, request.path(), request.paths());
    return request;
  }
}
