package io.istziio.client.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * One result of {@link Actions#WARM}: one object at one owner, sent when that copy is done.
 *
 * @param path the object
 * @param node the id of the owner that holds (or failed to get) the copy
 * @param bytes the copy's size; 0 when it failed
 * @param outcome {@link #DOWNLOADED}, {@link #CACHED} (it was there already) or {@link #FAILED}
 * @param error when failed: the Flight status and message, e.g. {@code NOT_FOUND: ...}
 * @param done copies finished so far in this warm, this one included
 * @param total copies this warm makes: objects times owners each
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record WarmProgress(String path, String node, long bytes, String outcome, String error,
    int done, int total) {

  public static final String DOWNLOADED = "downloaded";
  public static final String CACHED = "cached";
  public static final String FAILED = "failed";

  @JsonIgnore
  public boolean failed() {
    return FAILED.equals(outcome);
  }

  /** The same result counted as the {@code done}-th of {@code total}. */
  public WarmProgress numbered(int newDone, int newTotal) {
    return new WarmProgress(path, node, bytes, outcome, error, newDone, newTotal);
  }

  public byte[] toJsonBytes() {
    return Json.write(this);
  }

  public static WarmProgress fromJson(byte[] json) {
    return Json.read(json, WarmProgress.class);
  }
}
