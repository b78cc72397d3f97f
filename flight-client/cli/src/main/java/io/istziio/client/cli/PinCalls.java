package io.istziio.client.cli;

import io.istziio.client.IstziioClient;
import io.istziio.client.protocol.Actions;
import io.istziio.client.protocol.PinRequest;
import io.istziio.client.protocol.PinResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What pin and unpin share: sending each node its share and printing what each answered. */
final class PinCalls {

  private PinCalls() {}

  /**
   * Sends {@code action} for {@code paths} to the nodes {@link AdminRouting} picks and prints a
   * table and a summary; returns the exit code (1 if a node failed).
   */
  static int run(String action, IstziioClient client, List<String> paths, List<String> explicit) {
    boolean pin = action.equals(Actions.PIN);
    Map<String, AdminRouting.Share> shares = AdminRouting.route(client, paths, explicit, pin);
    Table table = new Table("node", pin ? "pinned" : "unpinned", pin ? "downloaded" : "-",
        "bytes", "pinned on node");
    List<String> failures = new ArrayList<>();
    long total = 0;
    for (Map.Entry<String, AdminRouting.Share> share : shares.entrySet()) {
      String location = share.getKey();
      String node = AdminRouting.nodeName(client, location);
      List<PinRequest> requests = new ArrayList<>();
      AdminRouting.chunks(share.getValue().objects())
          .forEach(chunk -> requests.add(PinRequest.ofPaths(chunk)));
      share.getValue().patterns().forEach(pattern -> requests.add(PinRequest.of(pattern)));
      long count = 0;
      long downloaded = 0;
      long bytes = 0;
      PinResult last = null;
      try {
        for (PinRequest request : requests) {
          PinResult[] answer = {null};
          // No deadline: a pin downloads what is not cached yet.
          NodeCalls.at(location, () -> {
            client.action(location, action, request.toJsonBytes(), null,
                body -> answer[0] = PinResult.fromJson(body));
            return answer[0];
          });
          last = answer[0];
          count += last.paths();
          downloaded += last.downloaded();
          bytes += last.bytes();
        }
      } catch (RuntimeException e) {
        failures.add(node + ": " + Messages.of(e));
        continue;
      }
      total += count;
      table.add(node, EvictCommand.count(count), pin ? EvictCommand.count(downloaded) : "-",
          Bytes.format(bytes), last == null ? "-"
              : EvictCommand.count(last.pinnedEntries()) + " copies, "
                  + Bytes.format(last.pinnedBytes()));
    }
    table.print(System.out);
    System.out.printf(Locale.ROOT, "%s %s path(s) on %d node(s)%n", pin ? "pinned" : "unpinned",
        EvictCommand.count(total), shares.size() - failures.size());
    failures.forEach(failure -> System.err.println("istziio " + action + ": " + failure));
    return failures.isEmpty() ? 0 : 1;
  }
}
