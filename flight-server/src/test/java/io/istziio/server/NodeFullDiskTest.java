package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.protocol.NodeStats;
import io.istziio.server.cache.Tmpfs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11 end to end: a node with --cache-size 1GiB whose cache directory is on an 8 MiB tmpfs.
 * Misses keep working after the disk fills, and an object that cannot fit on the disk is
 * RESOURCE_EXHAUSTED naming the disk, not UNAVAILABLE blaming S3. Skipped where no tmpfs mounts.
 */
class NodeFullDiskTest extends NodeTestBase {

  private static final long FS_BYTES = 8L << 20;
  private static Tmpfs disk;
  private static Path mount;
  private static String whyNot;

  @BeforeAll
  static void mountTmpfs() throws Exception {
    disk = Tmpfs.mount("istziio-node-fulldisk", FS_BYTES);
    mount = disk.path();
    whyNot = disk.whyNot();
  }

  @AfterAll
  static void unmount() throws Exception {
    disk.close();
  }

  @Test
  void missesKeepWorkingOnAFullDiskAndAnUnfittableObjectNamesTheDisk() throws Exception {
    Assumptions.assumeTrue(mount != null, () -> whyNot);
    Path cacheDir = mount.resolve("cache");
    Node node = start(NodeConfig.loopback(cacheDir, 1L << 30).withS3(s3.config()).withMemoryBytes(0));
    FlightClient client = connect(node);

    int objects = (int) Math.min(60, 2 * FS_BYTES / sampleSize + 2); // twice what the disk holds
    for (int i = 0; i < objects; i++) {
      assertEquals(ROWS, read(client, putSample("full-" + i + ".parquet")).rows().size(), "object " + i);
      assertTrue(stats(client).cacheUsedBytes() <= FS_BYTES);
    }
    NodeStats stats = stats(client);
    assertTrue(stats.evictions() > 0, "the full disk evicted older entries");

    Path huge = tmp.resolve("huge.parquet");
    Files.write(huge, new byte[9 << 20]); // larger than the whole disk
    s3.put(BUCKET, "huge.parquet", huge);
    FlightRuntimeException e = assertStatus(FlightStatusCode.RESOURCE_EXHAUSTED,
        () -> read(client, "s3://" + BUCKET + "/huge.parquet"));
    String message = e.status().description();
    assertTrue(message.contains(cacheDir.toString()) && message.contains("free"), message);
    assertFalse(message.contains("S3"), message);

    assertEquals(ROWS, read(client, putSample("after.parquet")).rows().size(),
        "a miss after the refusal still works");
  }
}
