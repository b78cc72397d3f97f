package io.istziio.client.cli;

import io.istziio.client.IstziioClient;
import picocli.CommandLine.Option;

/** --no-spread: reads always start at the primary owner instead of an owner chosen by load. */
final class SpreadOption {

  @Option(names = "--no-spread",
      description = "Start every read at the path's primary owner. Default: a read of a path "
          + "among this client's last 64 requests (or being read) whose primary took more than "
          + "1.25 times the mean of them starts at the next owner under that bound, so a hot file "
          + "spreads over its owners; a path not read lately stays on its primary.")
  boolean noSpread;

  /** {@code client}, with load spreading as the flag says. */
  IstziioClient apply(IstziioClient client) {
    return client.withLoadSpread(!noSpread);
  }
}
