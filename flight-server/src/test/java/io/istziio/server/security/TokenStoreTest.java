package io.istziio.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.protocol.TokenFile;
import io.istziio.client.protocol.TokenFile.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The token file's format, roles and reloads, on real files. */
class TokenStoreTest {

  private static final String READER = "reader-token-0123456789ab";
  private static final String PEER = "peer-token-0123456789abcd";
  private static final String ADMIN = "admin-token-0123456789abc";

  @TempDir Path tmp;

  @Test
  void rolesCommentsBlankLinesAndThePeerToken() throws Exception {
    Path file = Files.writeString(tmp.resolve("tokens"),
        "# comment\n\n  " + READER + "  \n" + ADMIN + " admin\r\n" + PEER + "\tnode\n");
    TokenStore store = TokenStore.load(file);
    assertEquals(Role.READ, store.roleOf(READER));
    assertEquals(Role.NODE, store.roleOf(PEER));
    assertEquals(Role.ADMIN, store.roleOf(ADMIN));
    assertNull(store.roleOf(READER.substring(1)));
    assertNull(store.roleOf(""));
    assertEquals(PEER, store.peerToken(), "a node token first, for calls to peers");
    assertEquals(ADMIN, TokenFile.clientToken(TokenFile.read(file)), "the CLI sends the admin");
  }

  @Test
  void aBrokenReloadKeepsTheTokensInForceAndAGoodOneReplacesThem() throws Exception {
    Path file = Files.writeString(tmp.resolve("tokens"), READER + "\n");
    TokenStore store = TokenStore.load(file);
    assertNull(store.peerToken(), "no node or admin token");

    Files.writeString(file, READER + " root\n" + ADMIN + " admin\n");
    store.reload();
    assertEquals(Role.READ, store.roleOf(READER), "a file that does not parse changes nothing");
    assertNull(store.roleOf(ADMIN));

    Files.delete(file);
    store.reload();
    assertEquals(Role.READ, store.roleOf(READER), "a missing file changes nothing");

    Files.writeString(file, ADMIN + " admin\n");
    store.reload();
    assertNull(store.roleOf(READER));
    assertEquals(Role.ADMIN, store.roleOf(ADMIN));
  }

  @Test
  void badLinesAreNamedWithoutTheirToken() {
    String secret = "secret-0123456789abcdef";
    for (String text : new String[] {secret + " admin extra", secret + " superuser",
        "short admin", "tok\u00e9n-0123456789abcdef", "# only a comment\n"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> TokenFile.parse(text, "tokens"));
      assertTrue(e.getMessage().startsWith("tokens"), e.getMessage());
      assertFalse(e.getMessage().contains(secret), e.getMessage());
    }
  }
}
