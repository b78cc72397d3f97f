package io.istziio.client.cli;

import io.istziio.client.IstziioClient;
import picocli.CommandLine.Option;

/** --no-spread: reads always start at the primary owner instead of an owner chosen by load. */
final class SpreadOption {

  @Option(names = "--no-spread",
      description = "Start every read at the path's primary owner. Default: a read whose primary "
          + "is busy with this client's reads (1.25 times the mean in flight, plus one for a path "
          + "not already being read) starts at the next owner under that bound, so a hot file "
          + "spreads over its owners and a cold one stays on its primary.")
  boolean noSpread;

  /** {@code client}, with load spreading as the flag says. */
  IstziioClient apply(IstziioClient client) {
    return client.withLoadSpread(!noSpread);
  }
}
