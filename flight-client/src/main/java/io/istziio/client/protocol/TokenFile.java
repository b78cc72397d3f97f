package io.istziio.client.protocol;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The format of a token file ({@code --token-file}), shared by the node, the CLI and the Python
 * package: one token per line, optionally followed by its role; {@code #} starts a comment line;
 * blank lines are ignored.
 *
 * <pre>
 * # readers
 * 3f9c0a...e1          (role read: reads, stats, ring)
 * 77ab12...90 node     (read, and the internal calls nodes make to each other)
 * c01d5e...4b admin    (everything, the admin actions included)
 * </pre>
 *
 * A token is at least {@link #MIN_LENGTH} visible ASCII characters (what an HTTP/2 header value
 * carries; {@code openssl rand -hex 16} makes one). Errors name the file and line, never a token.
 */
public final class TokenFile {

  public static final int MIN_LENGTH = 16;

  /** What a token may do. */
  public enum Role {
    /** Reads (GetFlightInfo, GetSchema, DoGet, ListFlights) and the stats and ring actions. */
    READ,
    /** READ, and the calls one node makes on another (an owner's FlightInfo, a warm's share). */
    NODE,
    /** Everything: NODE and the admin actions ({@link Actions#ADMIN}). */
    ADMIN;

    /** Whether this role may call the internal actions between nodes. */
    public boolean mayCallNodes() {
      return this != READ;
    }
  }

  /** One line of the file. {@link #toString} leaves the token out. */
  public record Entry(String token, Role role) {
    @Override
    public String toString() {
      return "Entry[" + role + "]";
    }
  }

  private TokenFile() {}

  /** The entries of the file at {@code path}, in file order. */
  public static List<Entry> read(Path path) throws IOException {
    return parse(Files.readString(path, StandardCharsets.UTF_8), path.toString());
  }

  /**
   * The entries of {@code text}, in order.
   *
   * @param source how to name the file in errors
   * @throws IllegalArgumentException a line that is not {@code TOKEN [read|node|admin]}, a token
   *     too short or with characters other than visible ASCII, or no token at all; the message
   *     names the line, not its token
   */
  public static List<Entry> parse(String text, String source) {
    List<Entry> entries = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    for (int n = 0; n < lines.length; n++) {
      String line = lines[n].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] words = line.split("[ \t]+");
      String where = source + " line " + (n + 1);
      if (words.length > 2) {
        throw new IllegalArgumentException(where + ": expected TOKEN or TOKEN ROLE (read, node or "
            + "admin), found " + words.length + " words");
      }
      String token = words[0];
      for (int i = 0; i < token.length(); i++) {
        char c = token.charAt(i);
        if (c < 0x21 || c > 0x7e) {
          throw new IllegalArgumentException(where + ": a token is visible ASCII characters only");
        }
      }
      if (token.length() < MIN_LENGTH) {
        throw new IllegalArgumentException(where + ": a token needs at least " + MIN_LENGTH
            + " characters (e.g. openssl rand -hex 16)");
      }
      Role role = Role.READ;
      if (words.length == 2) {
        role = switch (words[1]) {
          case "read" -> Role.READ;
          case "node" -> Role.NODE;
          case "admin" -> Role.ADMIN;
          // The word is not echoed: a line of two tokens would put one in the message.
          default -> throw new IllegalArgumentException(where + ": the word after the token is "
              + "not a role; a role is read, node or admin");
        };
      }
      entries.add(new Entry(token, role));
    }
    if (entries.isEmpty()) {
      throw new IllegalArgumentException(source + " holds no token; write one per line");
    }
    return entries;
  }

  /** The token a client sends: the first admin token, else the first token; null if none. */
  public static String clientToken(List<Entry> entries) {
    return entries.stream().filter(e -> e.role() == Role.ADMIN).map(Entry::token).findFirst()
        .orElse(entries.isEmpty() ? null : entries.get(0).token());
  }

  /**
   * The token a node sends to its peers: the first node token, else the first admin token; null
   * when the file has neither (the peers then refuse the internal actions).
   */
  public static String peerToken(List<Entry> entries) {
    String node = entries.stream().filter(e -> e.role() == Role.NODE).map(Entry::token)
        .findFirst().orElse(null);
    return node != null ? node : entries.stream().filter(e -> e.role() == Role.ADMIN)
        .map(Entry::token).findFirst().orElse(null);
  }
}
