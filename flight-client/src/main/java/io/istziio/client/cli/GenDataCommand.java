package io.istziio.client.cli;

import io.istziio.client.data.SampleData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Writes sample Parquet files whose every value is computable from its row number. */
@Command(name = "gen-data", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Writes sample Parquet files (columns id int64, small int32, score float64, "
        + "name string, flag bool, day date32, ts timestamp[us, UTC], \"unit price\" "
        + "decimal(12,2); with nulls) to a local directory.")
final class GenDataCommand implements Callable<Integer> {

  @Option(names = "--out", required = true, description = "Directory to write to; created if needed.")
  Path out;

  @Option(names = "--files", defaultValue = "3", description = "Files to write. Default: ${DEFAULT-VALUE}.")
  int files;

  @Option(names = "--rows", defaultValue = "100000",
      description = "Rows per file. Default: ${DEFAULT-VALUE}.")
  long rows;

  @Option(names = "--rows-per-group", defaultValue = "20000",
      description = "Rows per Parquet row group. Default: ${DEFAULT-VALUE}.")
  int rowsPerGroup;

  @Override
  public Integer call() throws Exception {
    Files.createDirectories(out);
    for (int i = 0; i < files; i++) {
      Path file = out.resolve(String.format("sample-%03d.parquet", i));
      SampleData.write(file, rows, rowsPerGroup);
      System.out.printf("%s  %,d rows  %,d bytes%n", file.toAbsolutePath().toUri(), rows,
          Files.size(file));
    }
    return 0;
  }
}
