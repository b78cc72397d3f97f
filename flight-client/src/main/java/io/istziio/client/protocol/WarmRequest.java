package io.istziio.client.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * The body of {@link Actions#WARM}, asked of any node: {@code {"path": "s3://bucket/table/"}},
 * {@code {"paths": [...]}}, optionally {@code "primary_only": true}, {@code "concurrency": 4}.
 * The node lists the objects and has each object's owners download it into their disk caches,
 * streaming one {@link WarmProgress} per copy.
 *
 * @param path one object, a prefix ending in {@code /} or a glob, listed as a dataset is
 * @param paths instead of {@code path}: these objects (a manifest)
 * @param primaryOnly warm each object's primary owner only; by default every owner (primary and
 *     replicas), so that a read that fails over, or a ring change, still finds it cached
 * @param concurrency downloads each owner runs at once for this warm (1 to 64); by default half
 *     the owner's miss threads, so that reads' misses still find threads
 * @param local set by the node that fans a warm out: warm exactly {@code paths} here, without
 *     routing
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record WarmRequest(String path, List<String> paths, Boolean primaryOnly, Integer concurrency,
    Boolean local) {

  /** The most downloads one owner runs at once for one warm. */
  public static final int MAX_CONCURRENCY = 64;

  static final String FIELDS = "path, paths, primary_only, concurrency";
  static final String EXAMPLE = "{\"path\": \"s3://bucket/table/\"}";

  public static WarmRequest of(String path) {
    return new WarmRequest(path, null, null, null, null);
  }

  public static WarmRequest ofPaths(List<String> paths) {
    return new WarmRequest(null, List.copyOf(paths), null, null, null);
  }

  public WarmRequest withPrimaryOnly(boolean primary) {
    return new WarmRequest(path, paths, primary ? Boolean.TRUE : null, concurrency, local);
  }

  public WarmRequest withConcurrency(Integer downloads) {
    return new WarmRequest(path, paths, primaryOnly, downloads, local);
  }

  /** The part of a warm one owner does: these paths, here. */
  public static WarmRequest localPart(List<String> paths, Integer concurrency) {
    return new WarmRequest(null, List.copyOf(paths), null, concurrency, Boolean.TRUE);
  }

  // Not isLocal()/isPrimaryOnly(): Jackson would take those for the properties' getters, and
  // @JsonIgnore on them would drop the properties themselves.

  /** Whether this is one owner's share, to copy here without routing. */
  @JsonIgnore
  public boolean hereOnly() {
    return Boolean.TRUE.equals(local);
  }

  /** Whether to warm each object's primary owner only. */
  @JsonIgnore
  public boolean primariesOnly() {
    return Boolean.TRUE.equals(primaryOnly);
  }

  public byte[] toJsonBytes() {
    return Json.write(this);
  }

  /** @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT saying what to send */
  public static WarmRequest parse(byte[] body) {
    WarmRequest request = ActionBody.parse(body, WarmRequest.class, Actions.WARM, FIELDS, EXAMPLE);
    if (request == null) {
      throw ActionBody.invalid("the warm body is empty; send e.g. %s", EXAMPLE);
    }
    ActionBody.checkTarget(Actions.WARM, request.path(), request.paths());
    if (request.concurrency() != null
        && (request.concurrency() < 1 || request.concurrency() > MAX_CONCURRENCY)) {
      throw ActionBody.invalid("\"concurrency\" is %d; send 1 to %d, or leave it out for half the "
          + "node's miss threads", request.concurrency(), MAX_CONCURRENCY);
    }
    if (request.hereOnly() && request.paths() == null) {
      throw ActionBody.invalid("\"local\" is for a node's share of a warm and takes \"paths\"; "
          + "send {\"path\": ...} without it to warm through the ring");
    }
    return request;
  }
}
