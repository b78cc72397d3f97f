package io.istziio.server.security;

import io.istziio.client.protocol.TokenFile;
import io.istziio.client.protocol.TokenFile.Role;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tokens of a node's {@code --token-file} ({@link TokenFile}'s format), reloaded when the file
 * changes: each use looks at the file at most once per {@link #CHECK_NANOS} (it reads it and
 * compares a digest, so a rewrite of the same size within one mtime tick is seen too). A reload
 * that fails (unreadable, or a line that does not parse) keeps the tokens in force and logs one
 * line per distinct failure, never a token.
 *
 * <p>Only SHA-256 digests of the tokens are kept; a presented token is digested and compared with
 * every one with {@link MessageDigest#isEqual}, which takes the same time wherever the bytes
 * differ.
 *
 * <p>Threads: any gRPC thread calls {@link #roleOf}; the one that wins the compare-and-set on
 * {@link #nextCheck} reloads, the others go on with the snapshot in force. {@link #current} is
 * replaced whole (volatile), never changed in place.
 */
public final class TokenStore {

  private static final Logger LOG = LoggerFactory.getLogger(TokenStore.class);
  static final long CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

  private record Hashed(byte[] digest, Role role) {}

  /** The tokens of one version of the file. */
  private record Snapshot(byte[] fileDigest, List<Hashed> tokens, String peerToken,
      long admins, long nodes) {}

  private final Path file;
  private volatile Snapshot current;
  private final AtomicLong nextCheck;
  private volatile String lastFailure; // the failure last logged, so it is logged once

  private TokenStore(Path file, Snapshot first) {
    this.file = file;
    this.current = first;
    this.nextCheck = new AtomicLong(System.nanoTime() + CHECK_NANOS);
  }

  /**
   * Reads the token file.
   *
   * @throws IOException it cannot be read
   * @throws IllegalArgumentException a line is not a token line, or there is no token; the
   *     message names the line
   */
  public static TokenStore load(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    TokenStore store = new TokenStore(file, parse(bytes, file));
    Snapshot first = store.current;
    LOG.info("token file {}: {} tokens ({} admin, {} node)", file, first.tokens().size(),
        first.admins(), first.nodes());
    return store;
  }

  /**
   * The role of {@code token}, or null if the file does not hold it. May reload the file first.
   */
  public Role roleOf(String token) {
    reloadIfDue();
    byte[] presented = sha256(token.getBytes(StandardCharsets.UTF_8));
    Role role = null;
    for (Hashed hashed : current.tokens()) { // no early exit: the time does not tell which matched
      if (MessageDigest.isEqual(presented, hashed.digest()) && role == null) {
        role = hashed.role();
      }
    }
    return role;
  }

  /**
   * The token this node sends its peers ({@link TokenFile#peerToken}: the first node token, else
   * the first admin token); null when the file has neither.
   */
  public String peerToken() {
    reloadIfDue();
    return current.peerToken();
  }

  /** Whether the file holds a token this node can send its peers. */
  public boolean hasPeerToken() {
    return current.peerToken() != null;
  }

  /** Reads the file now if the last look is older than {@link #CHECK_NANOS}. */
  private void reloadIfDue() {
    long now = System.nanoTime();
    long due = nextCheck.get();
    if (now - due < 0 || !nextCheck.compareAndSet(due, now + CHECK_NANOS)) {
      return;
    }
    reload();
  }

  /** Reads the file; if it changed, parses it and puts it in force, or logs why not. */
  void reload() {
    Snapshot previous = current;
    try {
      byte[] bytes = Files.readAllBytes(file);
      if (MessageDigest.isEqual(sha256(bytes), previous.fileDigest())) {
        return;
      }
      Snapshot next = parse(bytes, file);
      current = next;
      lastFailure = null;
      LOG.info("token file {} reloaded: {} tokens ({} admin, {} node)", file, next.tokens().size(),
          next.admins(), next.nodes());
    } catch (IOException | IllegalArgumentException e) {
      String failure = e instanceof IOException ? "cannot read it (" + e + ")" : e.getMessage();
      if (!failure.equals(lastFailure)) {
        lastFailure = failure;
        LOG.warn("token file {} not reloaded, keeping the {} tokens in force: {}", file,
            previous.tokens().size(), failure);
      }
    }
  }

  private static Snapshot parse(byte[] bytes, Path file) {
    List<TokenFile.Entry> entries = TokenFile.parse(new String(bytes, StandardCharsets.UTF_8),
        file.toString());
    List<Hashed> tokens = entries.stream()
        .map(e -> new Hashed(sha256(e.token().getBytes(StandardCharsets.UTF_8)), e.role()))
        .toList();
    return new Snapshot(sha256(bytes), tokens, TokenFile.peerToken(entries),
        entries.stream().filter(e -> e.role() == Role.ADMIN).count(),
        entries.stream().filter(e -> e.role() == Role.NODE).count());
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
