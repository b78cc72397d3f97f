package io.istziio.ring;

import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * What reaching a Redis may need besides its URI: a password (Redis {@code AUTH}, the default
 * user; kept out of URIs so that it never reaches a command line or a log) and, for a
 * {@code rediss://} URI, the PEM CA bundle its certificate is checked against (null: the JVM's
 * default trust store). The host name of the URI is verified against the certificate. Immutable;
 * {@link #toString} never shows the password.
 */
public final class RedisAuth {

  /** No password, the JVM's trust store. */
  public static final RedisAuth NONE = new RedisAuth(null, null);

  private final char[] password;
  private final Path trustedCertificates;

  private RedisAuth(char[] password, Path trustedCertificates) {
    this.password = password;
    this.trustedCertificates = trustedCertificates;
  }

  /**
   * @param password the password, or null for none (an empty one counts as none)
   * @param trustedCertificates a PEM file of CA certificates for {@code rediss://}, or null for
   *     the JVM's default trust store
   * @throws IllegalArgumentException the CA file cannot be read
   */
  public static RedisAuth of(char[] password, Path trustedCertificates) {
    if (trustedCertificates != null && !Files.isReadable(trustedCertificates)) {
      throw new IllegalArgumentException("cannot read the Redis CA bundle " + trustedCertificates);
    }
    char[] copy = password == null || password.length == 0 ? null : password.clone();
    return new RedisAuth(copy, trustedCertificates);
  }

  /**
   * The settings of a command line: the password from {@code passwordFile}'s first line, else
   * {@code password} (as the environment gives it); never both.
   *
   * @param password the password itself (environment variable ISTZIIO_REDIS_PASSWORD), or null
   * @param passwordFile a file whose first line is the password (--redis-password-file), or null
   * @param trustedCertificates as in {@link #of(char[], Path)}
   * @throws IllegalArgumentException both are given, the file is empty or cannot be read
   */
  public static RedisAuth of(String password, Path passwordFile, Path trustedCertificates) {
    if (passwordFile == null) {
      return of(password == null ? null : password.toCharArray(), trustedCertificates);
    }
    if (password != null) {
      throw new IllegalArgumentException("the Redis password is given twice, in "
          + "ISTZIIO_REDIS_PASSWORD and in --redis-password-file; keep one");
    }
    String first;
    try {
      first = Files.readAllLines(passwordFile).stream().findFirst().orElse("").strip();
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot read --redis-password-file " + passwordFile
          + ": " + e, e);
    }
    if (first.isEmpty()) {
      throw new IllegalArgumentException("--redis-password-file " + passwordFile + " is empty; "
          + "its first line is the password");
    }
    return of(first.toCharArray(), trustedCertificates);
  }

  public boolean hasPassword() {
    return password != null;
  }

  public Path trustedCertificates() {
    return trustedCertificates;
  }

  /** The Lettuce URI of {@code uri} with the password applied (it replaces one in the URI). */
  RedisURI apply(String uri) {
    RedisURI redisUri = RedisURI.create(uri);
    if (password != null) {
      redisUri.setAuthentication(password);
    }
    return redisUri;
  }

  /** The TLS settings for a {@code rediss://} connection; null for the defaults. */
  SslOptions sslOptions() {
    return trustedCertificates == null ? null
        : SslOptions.builder().jdkSslProvider().trustManager(trustedCertificates.toFile()).build();
  }

  /**
   * {@code uri} (a Redis URI, or any other, such as an object path a request names) without any
   * user or password in it, for messages and logs:
   * {@code redis://:secret@host:6379} becomes {@code redis://host:6379}.
   */
  public static String redact(String uri) {
    if (uri == null || uri.indexOf('@') < 0) {
      // No '@', no user info: the common case, and every request line's path passes here, where
      // parsing (and, for a key Java's URI refuses, a thrown exception) would be wasted work.
      return uri;
    }
    try {
      URI parsed = URI.create(uri);
      if (parsed.getRawUserInfo() == null) {
        return uri;
      }
      return new URI(parsed.getScheme(), null, parsed.getHost(), parsed.getPort(),
          parsed.getPath(), parsed.getQuery(), null).toString();
    } catch (IllegalArgumentException | java.net.URISyntaxException e) {
      // Not a URI Java parses (a space in it, say): the user info is what precedes an '@' in the
      // authority, before the first '/', '?' or '#' (an '@' further on belongs to the path).
      int scheme = uri.indexOf("://");
      if (scheme < 0) {
        return uri;
      }
      int end = scheme + 3;
      while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
        end++;
      }
      int at = uri.lastIndexOf('@', end - 1);
      return at > scheme + 2 ? uri.substring(0, scheme + 3) + uri.substring(at + 1) : uri;
    }
  }

  @Override
  public String toString() {
    return "RedisAuth[password " + (password != null ? "set" : "none") + ", CA "
        + (trustedCertificates != null ? trustedCertificates : "the JVM's trust store") + "]";
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RedisAuth that && Arrays.equals(password, that.password)
        && java.util.Objects.equals(trustedCertificates, that.trustedCertificates);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(Arrays.hashCode(password), trustedCertificates);
  }
}
