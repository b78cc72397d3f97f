package io.istziio.server;

import io.istziio.client.protocol.ReadStats;

/**
 * The pushdown matrix against the memory tier: a filtered hit runs over the cached batches in Java
 * and must return exactly the rows the disk tier's native scanner returns.
 */
class MemoryPushdownTest extends PushdownTest {

  @Override
  String tier() {
    return ReadStats.MEMORY;
  }
}
