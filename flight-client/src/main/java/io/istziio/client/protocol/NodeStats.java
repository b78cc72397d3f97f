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
 * @param memory the memory tier's counters
 * @param hitRatio DoGets served without waiting on the store (from either tier) over all DoGets
 *     that looked an object up; 0 before the first
 * @param nativeAllocatedBytes memory Arrow Dataset's native scanners hold right now, in this
 *     node's process
 * @param pinnedEntries cached copies pinned in the disk tier ({@link Actions#PIN}), which size
 *     pressure never evicts
 * @param pinnedBytes their bytes on disk, part of {@code cacheUsedBytes}
 * @param doGets DoGet calls the node received, whatever their outcome (misrouted ones included,
 *     GetFlightInfo and peers' hand-off reads not): the requests it was asked to serve, e.g. to see
 *     how reads spread over the nodes; 0 from a node older than this field
 * @param spooledStreams disk-tier streams whose slow clients had their remaining rows spooled to
 *     disk (and their scanners closed) since the node started; 0 from an older node
 * @param spoolBytes bytes of such rows on disk now; 0 from an older node
 */
public record NodeStats(
    String node, String location, long cacheCapacityBytes, long cacheUsedBytes, long cacheEntries,
    long hits, long misses, long bypasses, long downloads, long evictions,
    long arrowAllocatedBytes, long misroutedDoGets, Memory memory, double hitRatio,
    long nativeAllocatedBytes, long pinnedEntries, long pinnedBytes, long doGets,
    long spooledStreams, long spoolBytes) {

  /**
   * The memory tier: decoded Arrow batches of hot files.
   *
   * @param capacityBytes its bound; 0 when the tier is off
   * @param usedBytes bytes of the admitted files, never above the bound
   * @param allocatedBytes bytes its allocator holds: admitted files and evicted ones still being
   *     sent
   * @param entries files admitted
   * @param hits DoGets served from it
   * @param misses DoGets it could not serve
   * @param admissions decoded files W-TinyLFU let in
   * @param rejections decoded files W-TinyLFU turned away in favour of the files held
   * @param evictions files evicted to make room
   * @param skipped files left to the disk tier: too large, or with dictionary-encoded columns
   */
  public record Memory(long capacityBytes, long usedBytes, long allocatedBytes, long entries,
      long hits, long misses, long admissions, long rejections, long evictions, long skipped) {}

  public byte[] toJsonBytes() {
    return Json.write(this);
  }

  public static NodeStats fromJson(byte[] json) {
    return Json.read(json, NodeStats.class);
  }
}
