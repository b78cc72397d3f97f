package io.istziio.server.flight;

import io.istziio.client.protocol.CachedObject;
import io.istziio.client.protocol.ReadStats;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.server.cache.CacheKey;
import io.istziio.server.cache.DiskCache;
import io.istziio.server.memory.MemoryTier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.Location;
import org.apache.arrow.vector.ipc.message.IpcOption;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * ListFlights: what this node caches, one FlightInfo per object (path and version), in path
 * order. An object in both tiers is listed once, as {@code memory}, with the memory tier's bytes
 * and row count; a disk-only one has {@code total_records} -1 (counting would mean reading its
 * footer). The schema is empty: the FlightInfo of the path descriptor answers it.
 */
final class CachedFlights {

  private static final Schema NO_SCHEMA = new Schema(List.of());

  private CachedFlights() {}

  /**
   * @param prefix UTF-8 path prefix the listed paths start with; empty for all
   * @param self this node's location, the one endpoint of every answer
   */
  static List<FlightInfo> list(DiskCache disk, MemoryTier memory, String prefix, Location self) {
    Map<CacheKey, FlightInfo> byKey = new TreeMap<>(
        Comparator.comparing(CacheKey::path).thenComparing(CacheKey::etag));
    for (DiskCache.Entry entry : disk.snapshot(prefix)) {
      byKey.put(entry.key(), info(entry.key(), entry.bytes(), -1, ReadStats.DISK, self));
    }
    for (MemoryTier.Entry entry : memory.snapshot(prefix)) {
      byKey.put(entry.key(), info(entry.key(), entry.bytes(), entry.rows(), ReadStats.MEMORY, self));
    }
    return new ArrayList<>(byKey.values());
  }

  private static FlightInfo info(CacheKey key, long bytes, long rows, String tier, Location self) {
    FlightEndpoint endpoint = new FlightEndpoint(ReadTicket.of(key.path()).toFlightTicket(), self);
    byte[] metadata = new CachedObject(key.path(), key.etag(), bytes, tier).toJsonBytes();
    return new FlightInfo(NO_SCHEMA, FlightDescriptor.path(key.path()), List.of(endpoint), bytes,
        rows, false, IpcOption.DEFAULT, metadata);
  }
}
