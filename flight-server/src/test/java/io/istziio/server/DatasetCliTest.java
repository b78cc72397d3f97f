package io.istziio.server;

import static io.istziio.server.CliTest.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.data.SampleData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The CLI on datasets: {@code ls}, {@code info} and {@code get} of a hive-partitioned prefix and
 * of a glob, against a real node. Needs the node's dataset GetFlightInfo (branch {@code datasets}).
 */
class DatasetCliTest extends NodeTestBase {

  private static final int FILE_ROWS = 1_000;
  private static final String TABLE = "s3://data/cli-ds/trips/";
  /** Three partitions, six files, in path order. */
  private final List<String> files = new ArrayList<>();
  private String location;

  @BeforeEach
  void putTable() throws Exception {
    Path file = tmp.resolve("part.parquet");
    SampleData.write(file, FILE_ROWS, 500);
    for (String partition : List.of("year=2023/month=12", "year=2024/month=1", "year=2024/month=2")) {
      for (int i = 0; i < 2; i++) {
        String key = "cli-ds/trips/" + partition + "/part-" + i + ".parquet";
        s3.put(BUCKET, key, file);
        files.add("s3://data/" + key);
      }
    }
    s3.put(BUCKET, "cli-ds/trips/_SUCCESS", new byte[0]); // ignored, as pyarrow ignores it
    location = start(config(64 << 20)).uri().toString();
  }

  @Test
  void lsListsEveryFileInPathOrderWithItsOwner() {
    CliTest.Run run = cli("ls", TABLE, "--node", location).assertOk();

    List<String> lines = run.out().lines().toList();
    assertTrue(lines.get(0).matches("path\\s+owner\\s+bytes"), lines.get(0));
    for (int i = 0; i < files.size(); i++) {
      assertTrue(lines.get(2 + i).startsWith(files.get(i) + " "), lines.get(2 + i));
    }
    assertTrue(lines.get(2 + files.size()).startsWith("6 files; "), run.out());
  }

  @Test
  void getReadsTheWholeTableWithItsPartitionColumns() throws Exception {
    Path out = tmp.resolve("table.csv");

    CliTest.Run run = cli("get", TABLE, "--node", location, "--limit", "2",
        "--columns", "id,year,month", "--out", out.toString()).assertOk();

    List<String> lines = run.out().lines().toList();
    assertTrue(lines.get(0).matches("id\\s+year\\s+month"), lines.get(0));
    assertTrue(lines.get(2).matches("0\\s+2023\\s+12"), lines.get(2)); // the first file first
    assertTrue(run.out().contains("6,000 rows from 6 files"), run.out());
    List<String> csv = Files.readAllLines(out);
    assertEquals(1 + 6 * FILE_ROWS, csv.size());
    assertEquals(2 * FILE_ROWS, csv.stream().filter(line -> line.endsWith(",2023,12")).count());
  }

  @Test
  void aGlobWithoutPartitioningAddsNoColumns() {
    CliTest.Run run = cli("get", "s3://data/cli-ds/trips/year=2024/**/*.parquet", "--node",
        location, "--partitioning", "none", "--limit", "1").assertOk();

    assertTrue(run.out().lines().findFirst().orElseThrow().matches(
        "id\\s+small\\s+score\\s+name\\s+flag\\s+day\\s+ts\\s+unit price"), run.out());
    assertTrue(run.out().contains("4,000 rows from 4 files"), run.out());
  }

  @Test
  void infoShowsThePrunedFilesOfAPartitionFilter() {
    CliTest.Run run = cli("info", TABLE, "--node", location, "--filter", "year = 2024")
        .assertOk();

    assertTrue(run.out().contains("files: 4\n"), run.out());
    assertTrue(run.out().contains("  1. " + files.get(2) + "\n"), run.out());
    assertTrue(!run.out().contains("year=2023"), run.out());
    assertTrue(run.out().contains("year: int32"), run.out());
  }

  @Test
  void anEmptyPrefixIsAnErrorNamingIt() {
    CliTest.Run run = cli("get", "s3://data/cli-ds/nothing/", "--node", location).assertFails();

    assertTrue(run.err().contains("s3://data/cli-ds/nothing/"), run.err());
  }
}
