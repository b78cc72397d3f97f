package io.istziio.ring;

import java.util.Objects;

/**
 * One node of a cluster: a stable id, the Flight location clients reach it at, and its share of
 * the keys relative to the other members.
 */
public record Member(String id, String location, int weight) {

  public Member {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(location, "location");
    if (id.isBlank()) {
      throw new IllegalArgumentException("member id must not be blank");
    }
    if (weight <= 0) {
      throw new IllegalArgumentException("member weight must be positive, got " + weight);
    }
  }
}
