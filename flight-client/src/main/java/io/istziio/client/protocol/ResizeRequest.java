package io.istziio.client.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The body of {@link Actions#RESIZE}: {@code {"disk_bytes": 10737418240, "memory_bytes": 0}},
 * either or both, in bytes.
 *
 * @param diskBytes the disk tier's new bound; above 0 and at least the node's pinned bytes; null
 *     to keep it
 * @param memoryBytes the memory tier's new bound; 0 turns the tier off; null to keep it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ResizeRequest(Long diskBytes, Long memoryBytes) {

  static final String FIELDS = "disk_bytes, memory_bytes";
  static final String EXAMPLE = "{\"disk_bytes\": 10737418240, \"memory_bytes\": 2147483648}";

  public byte[] toJsonBytes() {
    return Json.write(this);
  }

  /** @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT saying what to send */
  public static ResizeRequest parse(byte[] body) {
    ResizeRequest request = ActionBody.parse(body, ResizeRequest.class, Actions.RESIZE, FIELDS,
        EXAMPLE);
    if (request == null || request.diskBytes() == null && request.memoryBytes() == null) {
      throw ActionBody.invalid("the resize body names no bound; send \"disk_bytes\", "
          + "\"memory_bytes\" or both, in bytes, e.g. %s", EXAMPLE);
    }
    if (request.diskBytes() != null && request.diskBytes() <= 0) {
      throw ActionBody.invalid("\"disk_bytes\" is %d; the disk tier's bound must be above 0 "
          + "(it cannot be turned off)", request.diskBytes());
    }
    if (request.memoryBytes() != null && request.memoryBytes() < 0) {
      throw ActionBody.invalid("\"memory_bytes\" is %d; send 0 or more (0 turns the memory tier "
          + "off)", request.memoryBytes());
    }
    return request;
  }
}
