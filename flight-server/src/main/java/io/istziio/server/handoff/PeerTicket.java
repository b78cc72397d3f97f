package io.istziio.server.handoff;

import io.istziio.server.Errors;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The DoGet ticket one node sends another for the bytes of the object the other holds at a path:
 * {@code istziio-peer-object:} followed by the object's URI in UTF-8. A read ticket is JSON and
 * starts with "{", so the two never mix. Nodes only: the holder checks the caller's node role.
 */
public final class PeerTicket {

  private static final byte[] PREFIX = "istziio-peer-object:".getBytes(StandardCharsets.UTF_8);

  private PeerTicket() {}

  /** The ticket asking for the object at {@code path} (an s3:// URI). */
  public static byte[] of(String path) {
    byte[] uri = path.getBytes(StandardCharsets.UTF_8);
    byte[] ticket = Arrays.copyOf(PREFIX, PREFIX.length + uri.length);
    System.arraycopy(uri, 0, ticket, PREFIX.length, uri.length);
    return ticket;
  }

  public static boolean is(byte[] ticket) {
    return ticket.length >= PREFIX.length
        && Arrays.equals(ticket, 0, PREFIX.length, PREFIX, 0, PREFIX.length);
  }

  /** The path a peer ticket asks for; INVALID_ARGUMENT when it names none. */
  public static String path(byte[] ticket) {
    if (!is(ticket) || ticket.length == PREFIX.length) {
      throw Errors.invalid("a peer-object ticket is \"istziio-peer-object:\" followed by an "
          + "s3:// URI");
    }
    return new String(ticket, PREFIX.length, ticket.length - PREFIX.length, StandardCharsets.UTF_8);
  }
}
