package io.istziio.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class RedactedUriTest {

  @Test
  void masksThePasswordAndKeepsTheRest() {
    assertEquals("redis://:***@127.0.0.1:6379", RedactedUri.of("redis://:s3cret@127.0.0.1:6379"));
    assertEquals("rediss://ops:***@redis.example.com:6380/2",
        RedactedUri.of("rediss://ops:p@ss:w0rd@redis.example.com:6380/2"));
    assertEquals("redis://***@h:1", RedactedUri.of("redis://s3cret@h:1"));
    assertEquals("s3://bucket/user@example.com/a.parquet",
        RedactedUri.of("s3://bucket/user@example.com/a.parquet"));
    assertEquals("redis://127.0.0.1:6379", RedactedUri.of("redis://127.0.0.1:6379"));
    assertEquals("not a uri @ all", RedactedUri.of("not a uri @ all"));
    assertNull(RedactedUri.of(null));
  }
}
