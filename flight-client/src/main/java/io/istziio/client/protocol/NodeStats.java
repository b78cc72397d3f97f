package io.istziio.client.protocol;


/**
 * Counters a node reports through the {@link Actions#STATS} action.
 *
 * @param node the node's id
 * @param location the Flight location the node advertises
 * @param cacheCapacityBytes the disk cache's bound
 * @param cacheUsedBytes bytes the disk cache holds on disk, including files evicted but still
 *     being read and space reserved for downloads under way; never above the bound
 * @param cacheEntries objects in the cache index
 * @param hits DoGets served from the cache
 * @param misses DoGets that waited for a download
 * @param bypasses DoGets of objects too large to admit
 * @param downloads object-store downloads started
 * @param evictions objects evicted to make room
 * @param arrowAllocatedBytes Arrow memory the node holds right now, all streams together
 * @param misroutedDoGets DoGets for paths this node does not own in its ring view (a client with a
 *     stale view); they are served all the same
 */
public record NodeStats(
    String node, String location, long cacheCapacityBytes, long cacheUsedBytes, long cacheEntries,
    long hits, long misses, long bypasses, long downloads, long evictions,
    long arrowAllocatedBytes, long misroutedDoGets) {

  public byte[] toJsonBytes() {
    return Json.write(this);
  }

  public static NodeStats fromJson(byte[] json) {
    return Json.read(json, NodeStats.class);
  }
}
