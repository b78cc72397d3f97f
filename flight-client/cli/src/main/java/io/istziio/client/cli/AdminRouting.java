package io.istziio.client.cli;

import io.istziio.client.IstziioClient;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.ring.Member;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.Location;

/**
 * Which nodes an admin command of paths goes to: the nodes given with {@code --node}, else by the
 * ring. One object goes to each of its owners; a prefix or glob to every member (evict and unpin
 * match what each node holds), or, for pin, each listed file to its owners.
 */
final class AdminRouting {

  /** Object paths per call: keeps each body far below gRPC's message limit. */
  static final int CHUNK = 1_000;

  /** What to send each node: object paths and prefix/glob patterns. */
  record Share(Set<String> objects, Set<String> patterns) {
    Share() {
      this(new LinkedHashSet<>(), new LinkedHashSet<>());
    }
  }

  private AdminRouting() {}

  static boolean isPattern(String path) {
    return path.endsWith("/") || path.indexOf('*') >= 0;
  }

  /**
   * Each node's share of {@code paths}, by location, in a stable order.
   *
   * @param explicit the --node locations when given on the command line, else null
   * @param listPatterns list a prefix or glob (GetFlightInfo) and send each file to its owners,
   *     instead of sending the pattern to every member
   */
  static Map<String, Share> route(IstziioClient client, List<String> paths, List<String> explicit,
      boolean listPatterns) {
    Map<String, Share> shares = new LinkedHashMap<>();
    for (String path : paths) {
      if (explicit != null) {
        for (String location : explicit) {
          add(shares, location, path);
        }
      } else if (!isPattern(path)) {
        for (Member owner : client.owners(path)) {
          add(shares, owner.location(), path);
        }
      } else if (listPatterns) {
        for (FlightEndpoint endpoint : client.info(ReadTicket.of(path)).getEndpoints()) {
          String file = EndpointPaths.of(endpoint);
          for (Location location : endpoint.getLocations()) {
            add(shares, location.getUri().toString(), file);
          }
        }
      } else {
        for (Member member : client.view().members()) {
          add(shares, member.location(), path);
        }
      }
    }
    return shares;
  }

  private static void add(Map<String, Share> shares, String location, String path) {
    Share share = shares.computeIfAbsent(location, l -> new Share());
    (isPattern(path) ? share.patterns() : share.objects()).add(path);
  }

  /** {@code list} cut into runs of at most {@link #CHUNK}. */
  static List<List<String>> chunks(Set<String> paths) {
    List<String> list = List.copyOf(paths);
    List<List<String>> chunks = new ArrayList<>();
    for (int from = 0; from < list.size(); from += CHUNK) {
      chunks.add(list.subList(from, Math.min(list.size(), from + CHUNK)));
    }
    return chunks;
  }

  /** The member id at {@code location} in the client's view, else the location itself. */
  static String nodeName(IstziioClient client, String location) {
    return client.view().members().stream().filter(m -> m.location().equals(location))
        .map(Member::id).findFirst().orElse(location);
  }
}
