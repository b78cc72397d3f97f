package io.istziio.client.cli;

import io.istziio.client.IstziioClient;
import io.istziio.client.protocol.Actions;
import io.istziio.client.protocol.WarmProgress;
import io.istziio.client.protocol.WarmRequest;
import io.istziio.client.replay.Manifest;
import io.istziio.ring.Member;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Downloads objects into their owners' caches ahead of the reads. */
@Command(name = "warm", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Downloads PATH (an object, a prefix ending in /, a glob) or the files of a "
        + "manifest into the disk caches of their owners (the warm action), so that the reads "
        + "that follow are hits. One node is asked (the first --node given, else the first "
        + "path's primary owner); it lists the objects and has every owner of each (or the "
        + "primary only) download it, a few at a time. Shows a progress bar on stderr when run "
        + "on a terminal, else one line per copy (outcome, node, bytes, path); then a summary. "
        + "Exit 1 if any copy failed.")
final class WarmCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "PATH", arity = "0..*",
      description = "s3://bucket/key.parquet, a prefix such as s3://bucket/table/, or a glob; "
          + "several are warmed one after the other.")
  List<String> paths;

  @Option(names = "--manifest", paramLabel = "FILE",
      description = "Warm the files a manifest lists (as gen-data writes it, or one path a line) "
          + "instead of PATH.")
  Path manifest;

  @Option(names = "--primary-only",
      description = "Warm each object's primary owner only. Default: every owner, so that a read "
          + "that fails over to a replica is a hit too.")
  boolean primaryOnly;

  @Option(names = "--concurrency", paramLabel = "N",
      description = "Downloads each owner runs at once for this warm (1 to 64). Default: half "
          + "the owner's --miss-threads.")
  Integer concurrency;

  @Option(names = "--no-progress", description = "No progress bar, even on a terminal.")
  boolean noProgress;

  @Mixin ClusterOptions cluster;

  private final Set<String> files = new HashSet<>();
  private final Set<String> nodes = new HashSet<>();
  private long downloaded;
  private long cached;
  private long failed;
  private long bytes;

  @Override
  public Integer call() throws Exception {
    List<WarmRequest> requests = requests();
    PrintStream bar = !noProgress && System.console() != null ? System.err : null;
    long start = System.nanoTime();
    try (IstziioClient client = cluster.connect()) {
      for (WarmRequest request : requests) {
        warm(client, request.withPrimaryOnly(primaryOnly).withConcurrency(concurrency), bar);
      }
    }
    if (bar != null) {
      bar.print("\r" + " ".repeat(72) + "\r");
      bar.flush();
    }
    System.out.printf(Locale.ROOT, "warmed %,d file(s), %,d copies on %d node(s): %,d downloaded, "
            + "%,d already cached, %,d failed; %s in %.1f s%n", files.size(),
        downloaded + cached + failed, nodes.size(), downloaded, cached, failed,
        Bytes.format(bytes), (System.nanoTime() - start) / 1e9);
    return failed == 0 ? 0 : 1;
  }

  private List<WarmRequest> requests() throws Exception {
    boolean given = paths != null && !paths.isEmpty();
    if (given == (manifest != null)) {
      throw new ParameterException(spec.commandLine(),
          "give the PATH(s) to warm or --manifest FILE, not both");
    }
    if (manifest != null) {
      return List.of(WarmRequest.ofPaths(Manifest.read(manifest).paths()));
    }
    List<WarmRequest> requests = new ArrayList<>();
    paths.forEach(path -> requests.add(WarmRequest.of(path)));
    return requests;
  }

  /**
   * One warm, asked of the first candidate node that answers: a node that cannot be reached
   * before it sent anything is passed over for the next.
   */
  private void warm(IstziioClient client, WarmRequest request, PrintStream bar) {
    List<String> candidates = candidates(client, request);
    for (int i = 0; i < candidates.size(); i++) {
      String location = candidates.get(i);
      boolean[] answered = {false};
      try {
        client.action(location, Actions.WARM, request.toJsonBytes(), null, body -> {
          answered[0] = true;
          record(WarmProgress.fromJson(body), bar);
        });
        return;
      } catch (FlightRuntimeException e) {
        boolean unreachable = e.status().code() == FlightStatusCode.UNAVAILABLE;
        if (answered[0] || !unreachable || i + 1 == candidates.size()) {
          throw unreachable ? new IllegalStateException("cannot reach the node at " + location
              + ": " + e.status().description(), e) : e;
        }
      }
    }
  }

  /** The nodes to ask, in order: --node as given, else the first path's owners, then the rest. */
  private List<String> candidates(IstziioClient client, WarmRequest request) {
    List<String> explicit = cluster.explicitNodes();
    if (explicit != null) {
      return explicit;
    }
    String first = request.path() != null ? request.path() : request.paths().get(0);
    List<String> locations = new ArrayList<>();
    client.owners(first).forEach(owner -> locations.add(owner.location()));
    for (Member member : client.view().members()) {
      if (!locations.contains(member.location())) {
        locations.add(member.location());
      }
    }
    return locations;
  }

  private void record(WarmProgress progress, PrintStream bar) {
    files.add(progress.path());
    nodes.add(progress.node());
    switch (progress.outcome()) {
      case WarmProgress.DOWNLOADED -> downloaded++;
      case WarmProgress.CACHED -> cached++;
      default -> failed++;
    }
    bytes += progress.bytes();
    String line = String.format(Locale.ROOT, "%-10s %-16s %12s  %s%s", progress.outcome(),
        progress.node(), Bytes.format(progress.bytes()), progress.path(),
        progress.error() == null ? "" : "  (" + progress.error() + ")");
    if (bar == null) {
      System.out.println(line);
      return;
    }
    if (progress.failed()) {
      bar.print("\r" + " ".repeat(72) + "\r");
      System.out.println(line);
    }
    int width = 30;
    int filled = (int) ((long) progress.done() * width / Math.max(1, progress.total()));
    bar.print("\r[" + "=".repeat(filled) + (filled < width ? ">" : "")
        + " ".repeat(Math.max(0, width - filled - 1)) + "] " + progress.done() + "/"
        + progress.total() + " copies, " + Bytes.format(bytes));
    bar.flush();
  }
}
