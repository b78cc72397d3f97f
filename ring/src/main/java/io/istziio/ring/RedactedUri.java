package io.istziio.ring;

/**
 * A URI fit for a log line or a message: the password in its user info is replaced by
 * {@code ***} ({@code rediss://user:***@host:6380}; {@code redis://***@host} for Lettuce's
 * password-only form). Anything after the authority (path, query) is kept as it is.
 */
public final class RedactedUri {

  static final String MASK = "***";

  private RedactedUri() {}

  /** {@code uri} with its password masked; null stays null, a text with no user info is kept. */
  public static String of(String uri) {
    if (uri == null) {
      return null;
    }
    int scheme = uri.indexOf("://");
    if (scheme < 0) {
      return uri;
    }
    int start = scheme + 3;
    int end = start;
    while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
      end++;
    }
    int at = uri.lastIndexOf('@', end - 1);
    if (at < start) {
      return uri;
    }
    int colon = uri.indexOf(':', start);
    String user = colon >= 0 && colon < at ? uri.substring(start, colon + 1) : "";
    return uri.substring(0, start) + user + MASK + uri.substring(at);
  }
}
