package io.istziio.client.cli;

import io.istziio.client.data.IstziioData;
import io.istziio.client.replay.Manifest;
import io.istziio.client.data.SampleData;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Writes a dataset of Parquet files, locally or to S3, and the manifest that lists them. */
@Command(name = "gen-data", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Writes Parquet files to a local directory or to S3, and _manifest.json listing them "
            + "([{\"index\": 0, \"path\": \"s3://...\"}, ...]) next to them (the underscore "
            + "keeps it out of the dataset the prefix names).",
        "Shapes: 1MB and 100MB are the ISTZIO benchmark's files: 20 float64 columns c0..c19 of "
            + "uniform values in [0, 1), each a hash of (seed, file, row, column); 5,500 rows a "
            + "file (1.06 MB) or 650,000 (104 MB of values; 128 MB on disk, as the writer "
            + "dictionary-encodes every 32,768-row group: --rows 506000 for 100 MB on disk). "
            + "tiny: the same values, 64 rows of 2 columns c0, c1 (about 1 KB on disk), for "
            + "request-rate benchmarks. --columns N keeps the first N columns of 1MB, 100MB or tiny. "
            + "sample: columns id int64 "
            + "(ascending), small int32, score float64, name string, flag bool, day date32, ts "
            + "timestamp[us, UTC], \"unit price\" decimal(12,2), with nulls; values depend on the "
            + "row alone."})
final class GenDataCommand implements Callable<Integer> {

  /** Arrow Java's dataset writer cuts row groups at this many rows, whatever it is given. */
  static final int MAX_GROUP_ROWS = 32_768;

  /** The manifest's name next to the files. */
  static final String MANIFEST_NAME = "_manifest.json";

  /** What the files hold. */
  enum Shape {
    SAMPLE("sample", 100_000, 20_000),
    MB1("1MB", IstziioData.ROWS_1MB, MAX_GROUP_ROWS),
    MB100("100MB", IstziioData.ROWS_100MB, MAX_GROUP_ROWS),
    TINY("tiny", 64, MAX_GROUP_ROWS, 2);

    final String label;
    final long rows;
    final int rowsPerGroup;
    final int columns;

    Shape(String label, long rows, int rowsPerGroup) {
      this(label, rows, rowsPerGroup, IstziioData.COLUMNS);
    }

    Shape(String label, long rows, int rowsPerGroup, int columns) {
      this.label = label;
      this.rows = rows;
      this.rowsPerGroup = rowsPerGroup;
      this.columns = columns;
    }

    static Shape of(String label) {
      for (Shape shape : values()) {
        if (shape.label.equalsIgnoreCase(label)) {
          return shape;
        }
      }
      throw new TypeConversionException(
          "unknown shape \"" + label + "\"; use sample, 1MB, 100MB or tiny");
    }

    String fileName(int index) {
      return this == SAMPLE
          ? String.format(Locale.ROOT, "sample-%03d.parquet", index)
          : String.format(Locale.ROOT, "%s-%05d.parquet", label.toLowerCase(Locale.ROOT), index);
    }
  }

  @Spec CommandSpec spec;

  @Option(names = "--out", required = true, paramLabel = "DIR|s3://BUCKET/PREFIX",
      description = "Where to write: a local directory (created if needed) or an S3 prefix.")
  String out;

  @Option(names = "--shape", defaultValue = "sample", paramLabel = "SHAPE",
      converter = ShapeConverter.class,
      description = "sample, 1MB, 100MB or tiny (see above). Default: ${DEFAULT-VALUE}.")
  Shape shape;

  @Option(names = "--files", defaultValue = "3", paramLabel = "N",
      description = "Files to write. Default: ${DEFAULT-VALUE}.")
  int files;

  @Option(names = "--rows", paramLabel = "N",
      description = "Rows per file. Default: 100000 for sample, 5500 for 1MB, 650000 for 100MB, "
          + "64 for tiny.")
  Long rows;

  @Option(names = "--columns", paramLabel = "N",
      description = "Float64 columns per file (c0..cN-1), 1 to 20; not for sample. Default: 20 "
          + "for 1MB and 100MB, 2 for tiny.")
  Integer columns;

  @Option(names = "--rows-per-group", paramLabel = "N",
      description = "Rows per Parquet row group, at most 32768 (Arrow Java's dataset writer "
          + "splits larger ones). Default: 20000 for sample, 32768 for 1MB and 100MB.")
  Integer rowsPerGroup;

  @Option(names = "--seed", defaultValue = "42", paramLabel = "N",
      description = "Seed of the 1MB and 100MB values. Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = "--manifest", paramLabel = "FILE",
      description = "Also write the manifest here. Default: none for a local --out (the manifest "
          + "is in DIR), ./manifest.json for S3 (it is uploaded as well).")
  Path manifest;

  @Mixin S3Options s3;

  static final class ShapeConverter implements ITypeConverter<Shape> {
    @Override
    public Shape convert(String value) {
      return Shape.of(value);
    }
  }

  @Override
  public Integer call() throws Exception {
    long fileRows = rows != null ? rows : shape.rows;
    int groupRows = rowsPerGroup != null ? rowsPerGroup : shape.rowsPerGroup;
    require(files >= 1, "--files must be at least 1, got " + files);
    require(fileRows >= 1, "--rows must be at least 1, got " + fileRows);
    require(groupRows >= 1, "--rows-per-group must be at least 1, got " + groupRows);
    int fileColumns = columns != null ? columns : shape.columns;
    require(columns == null || shape != Shape.SAMPLE, "--columns is not for the sample shape");
    require(fileColumns >= 1 && fileColumns <= IstziioData.COLUMNS,
        "--columns must be 1 to " + IstziioData.COLUMNS + ", got " + fileColumns);
    Target target = out.startsWith("s3://")
        ? new S3Target(s3Uri(out), s3) : new LocalTarget(Path.of(out));
    List<Manifest.Entry> entries = new ArrayList<>();
    try (target) {
      for (int i = 0; i < files; i++) {
        String name = shape.fileName(i);
        Path local = target.localFile(name);
        try {
          if (shape == Shape.SAMPLE) {
            SampleData.write(local, fileRows, groupRows);
          } else {
            IstziioData.write(local, seed, i, fileRows, groupRows, fileColumns);
          }
          long bytes = Files.size(local);
          String uri = target.publish(name, local);
          entries.add(new Manifest.Entry(i, uri));
          System.out.printf(Locale.ROOT, "%s  %,d rows  %,d bytes%n", uri, fileRows, bytes);
        } finally {
          target.discard(local);
        }
      }
      byte[] json = Manifest.toJson(entries);
      String where = target.publishManifest(json);
      System.out.println("manifest: " + where);
      Path extra = manifest != null ? manifest : target.defaultManifestCopy();
      if (extra != null) {
        Manifest.write(entries, extra);
        System.out.println("manifest: " + extra.toAbsolutePath());
      }
    }
    return 0;
  }

  private void require(boolean condition, String message) {
    if (!condition) {
      throw new ParameterException(spec.commandLine(), message);
    }
  }

  private URI s3Uri(String value) {
    URI uri = URI.create(value);
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new ParameterException(spec.commandLine(),
          "--out " + value + " names no bucket; use s3://BUCKET/PREFIX");
    }
    return uri;
  }

  /** Where the files go: written locally first, then published. */
  private interface Target extends AutoCloseable {
    /** The local file to write {@code name} to. */
    Path localFile(String name) throws IOException;

    /** Makes the written file available as {@code name}; returns its URI. */
    String publish(String name, Path local) throws IOException;

    /** Removes the local file if it was only a staging copy. */
    void discard(Path local) throws IOException;

    /**
     * Stores the manifest next to the files as {@value #MANIFEST_NAME}; returns where. The leading
     * underscore keeps it out of the dataset: prefix listings skip such names, as
     * pyarrow.dataset's ignore_prefixes does, so reading or warming the prefix finds only Parquet.
     */
    String publishManifest(byte[] json) throws IOException;

    /** Where the manifest is also written when --manifest is not given; null for nowhere. */
    Path defaultManifestCopy();

    @Override
    void close();
  }

  private static final class LocalTarget implements Target {
    private final Path dir;

    LocalTarget(Path dir) throws IOException {
      this.dir = Files.createDirectories(dir).toAbsolutePath();
    }

    @Override
    public Path localFile(String name) {
      return dir.resolve(name);
    }

    @Override
    public String publish(String name, Path local) {
      return local.toUri().toString();
    }

    @Override
    public void discard(Path local) {}

    @Override
    public String publishManifest(byte[] json) throws IOException {
      Path file = dir.resolve(MANIFEST_NAME);
      Files.write(file, json);
      return file.toString();
    }

    @Override
    public Path defaultManifestCopy() {
      return null;
    }

    @Override
    public void close() {}
  }

  /** Each file is written to a temporary file, uploaded with one PutObject, then deleted. */
  private static final class S3Target implements Target {
    private final String bucket;
    private final String prefix;
    private final S3Options options;
    private final S3Client client;
    private final Path staging;

    S3Target(URI uri, S3Options options) throws IOException {
      this.bucket = uri.getHost();
      String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/+", "");
      this.prefix = path.isEmpty() || path.endsWith("/") ? path : path + "/";
      this.options = options;
      this.client = options.client();
      this.staging = Files.createTempDirectory("istziio-gen-data-");
    }

    @Override
    public Path localFile(String name) {
      return staging.resolve(name);
    }

    @Override
    public String publish(String name, Path local) {
      put(prefix + name, () -> client.putObject(b -> b.bucket(bucket).key(prefix + name),
          RequestBody.fromFile(local)));
      return "s3://" + bucket + "/" + prefix + name;
    }

    @Override
    public void discard(Path local) throws IOException {
      Files.deleteIfExists(local);
    }

    @Override
    public String publishManifest(byte[] json) {
      String key = prefix + MANIFEST_NAME;
      put(key, () -> client.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(json)));
      return "s3://" + bucket + "/" + key;
    }

    /** Runs one upload; S3's errors become one line that names the object and the endpoint. */
    private void put(String key, Runnable upload) {
      String target = "s3://" + bucket + "/" + key;
      try {
        upload.run();
      } catch (S3Exception e) {
        String reason = e.awsErrorDetails() != null && e.awsErrorDetails().errorMessage() != null
            ? e.awsErrorDetails().errorMessage() : e.getMessage();
        throw new IllegalStateException("cannot upload " + target + ": " + reason + " (HTTP "
            + e.statusCode() + ")", e);
      } catch (SdkClientException e) {
        throw new IllegalStateException("cannot upload " + target + " to "
            + (options.endpoint != null ? options.endpoint : "AWS S3") + ": " + e.getMessage(), e);
      }
    }

    @Override
    public Path defaultManifestCopy() {
      return Path.of("manifest.json");
    }

    @Override
    public void close() {
      client.close();
      try {
        Files.deleteIfExists(staging);
      } catch (IOException e) {
        // a leftover empty temporary directory is harmless
      }
    }
  }
}
