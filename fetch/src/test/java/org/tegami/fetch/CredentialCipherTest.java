package org.tegami.fetch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.AccountId;

/** Passwords sealed with AES-256-GCM under the data directory's key, bound to their row. */
class CredentialCipherTest {
    @TempDir
    Path dir;

    @Test
    void sealedPasswordsOpenOnlyWithTheirKeyAndRow() throws Exception {
        CredentialCipher c = CredentialCipher.open(dir);
        AccountId alice = new AccountId(7);
        byte[] sealed = c.seal(1, alice, "pässwörd \"1\"");
        assertEquals("pässwörd \"1\"", c.open(1, alice, sealed));
        assertFalse(new String(sealed, java.nio.charset.StandardCharsets.ISO_8859_1).contains("pässwörd"));
        assertFalse(java.util.Arrays.equals(sealed, c.seal(1, alice, "pässwörd \"1\"")), "a fresh nonce each time");
        assertEquals(1 + 12 + "pässwörd \"1\"".getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 16, sealed.length);

        assertThrows(GeneralSecurityException.class, () -> c.open(2, alice, sealed), "another source's row");
        assertThrows(GeneralSecurityException.class, () -> c.open(1, new AccountId(8), sealed), "another account's row");
        byte[] tampered = sealed.clone();
        tampered[tampered.length - 1] ^= 1;
        assertThrows(GeneralSecurityException.class, () -> c.open(1, alice, tampered));
        assertThrows(GeneralSecurityException.class, () -> c.open(1, alice, new byte[5]));
        CredentialCipher other = new CredentialCipher(new byte[32]);
        assertThrows(GeneralSecurityException.class, () -> other.open(1, alice, sealed), "another data directory's key");
    }

    @Test
    void theKeyFileIsMadeOncePrivateAndKept() throws Exception {
        byte[] sealed = CredentialCipher.open(dir).seal(3, new AccountId(1), "secret");
        Path key = dir.resolve("fetch.key");
        assertEquals(32, Files.size(key));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        byte[] before = Files.readAllBytes(key);
        assertEquals("secret", CredentialCipher.open(dir).open(3, new AccountId(1), sealed), "the same key on reopening");
        assertArrayEquals(before, Files.readAllBytes(key));
        try (var list = Files.list(dir)) {
            assertEquals(List.of(key), list.toList(), "no temporary file left behind");
        }
        Files.write(key, new byte[5]);
        assertThrows(java.io.IOException.class, () -> CredentialCipher.open(dir), "a damaged key is an error, not replaced");
    }

    @Test
    void processesRacingToMakeTheKeyAgreeOnOne() throws Exception {
        Path d = Files.createDirectory(dir.resolve("race"));
        List<Future<byte[]>> sealed = new ArrayList<>();
        try (var pool = Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < 8; i++) sealed.add(pool.submit(() -> CredentialCipher.open(d).seal(1, new AccountId(1), "x")));
        }
        CredentialCipher c = CredentialCipher.open(d);
        for (Future<byte[]> f : sealed) assertEquals("x", c.open(1, new AccountId(1), f.get()));
    }
}
