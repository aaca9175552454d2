package org.tegami.fetch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.tegami.core.PrivateFiles;
import org.tegami.store.AccountId;

/**
 * Seals fetch source passwords at rest: AES-256-GCM, a random 96-bit nonce per value (NIST SP 800-38D §8.2.2), the
 * source id and account as associated data so a sealed password copied to another row does not open. The key is
 * 32 random bytes in {@code data_dir/fetch.key} (0600), made once. Layout: version byte 1, nonce, ciphertext+tag.
 * Thread-safe.
 */
public final class CredentialCipher {
    static final String KEY_FILE = "fetch.key";
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    private static final byte VERSION = 1;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;

    CredentialCipher(byte[] key) {
        if (key.length != 32) throw new IllegalArgumentException("an AES-256 key is 32 bytes");
        this.key = new SecretKeySpec(key, "AES");
    }

    /**
     * The data directory's key, created when missing: written to a private temporary file, fsync'd, then linked into
     * place, which fails if another process got there first (its key wins, and both read it back).
     */
    public static CredentialCipher open(Path dataDir) throws IOException {
        Path file = dataDir.resolve(KEY_FILE);
        if (!Files.exists(file)) {
            byte[] k = new byte[32];
            RANDOM.nextBytes(k);
            Path tmp = Files.createTempFile(dataDir, KEY_FILE, ".tmp", PrivateFiles.fileMode());
            try {
                try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                    ch.write(ByteBuffer.wrap(k));
                    ch.force(true);
                }
                try {
                    Files.createLink(file, tmp);
                } catch (FileAlreadyExistsException raced) {
                    // another process made the key first: use it
                }
            } finally {
                Files.deleteIfExists(tmp);
                Arrays.fill(k, (byte) 0);
            }
            try (var dir = java.nio.channels.FileChannel.open(dataDir, java.nio.file.StandardOpenOption.READ)) {
                dir.force(true); // the new name survives a crash
            } catch (IOException ignored) {
                // some file systems cannot sync a directory
            }
        }
        byte[] k = Files.readAllBytes(file);
        if (k.length != 32) {
            throw new IOException(file + " is not a 32-byte key (" + k.length + " bytes); fetch sources cannot be read");
        }
        return new CredentialCipher(k);
    }

    /** The associated data: which row a sealed value belongs to. */
    private static byte[] aad(long sourceId, AccountId account) {
        return ("tegami-fetch-source:" + sourceId + ":" + account.value()).getBytes(StandardCharsets.US_ASCII);
    }

    public byte[] seal(long sourceId, AccountId account, String password) {
        try {
            byte[] nonce = new byte[NONCE];
            RANDOM.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(aad(sourceId, account));
            byte[] ct = c.doFinal(password.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(1 + NONCE + ct.length).put(VERSION).put(nonce).put(ct).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable", e);
        }
    }

    /** The password, or an exception when the key, the row or the bytes do not match. */
    public String open(long sourceId, AccountId account, byte[] sealed) throws GeneralSecurityException {
        if (sealed.length < 1 + NONCE + TAG_BITS / 8 || sealed[0] != VERSION) {
            throw new GeneralSecurityException("not a sealed password");
        }
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 1, NONCE));
        c.updateAAD(aad(sourceId, account));
        return new String(c.doFinal(sealed, 1 + NONCE, sealed.length - 1 - NONCE), StandardCharsets.UTF_8);
    }
}
