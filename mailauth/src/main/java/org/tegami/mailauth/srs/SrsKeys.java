package org.tegami.mailauth.srs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.tegami.core.PrivateFiles;
import org.tegami.core.TegamiException;

/**
 * The SRS secrets in {@code <data>/srs.key}: one base64 line per secret, the first signs, the others are still
 * accepted when checking (to rotate, put a new line first and drop the old one after the maximum age). Made once
 * with 32 random bytes, mode 0600, on first use.
 */
public final class SrsKeys {
    /** The most secrets read. */
    static final int MAX_SECRETS = 8;

    private SrsKeys() {}

    public static List<byte[]> loadOrCreate(Path dataDir) {
        Path f = dataDir.resolve("srs.key");
        try {
            if (!Files.exists(f)) create(dataDir, f);
            List<byte[]> out = new ArrayList<>();
            for (String line : Files.readAllLines(f, StandardCharsets.US_ASCII)) {
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#")) continue;
                byte[] k = Base64.getDecoder().decode(l);
                if (k.length < 16) throw new TegamiException(f + ": an SRS secret must have at least 16 bytes");
                if (out.size() < MAX_SECRETS) out.add(k);
            }
            if (out.isEmpty()) throw new TegamiException(f + " holds no SRS secret");
            return out;
        } catch (IOException | IllegalArgumentException e) {
            throw new TegamiException("cannot read the SRS secret " + f + ": " + e.getMessage());
        }
    }

    private static void create(Path dataDir, Path f) throws IOException {
        PrivateFiles.directories(dataDir);
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        Path tmp = dataDir.resolve("srs.key.tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PrivateFiles.fileMode()); // 0600 before the secret is in it
        Files.writeString(tmp, Base64.getEncoder().encodeToString(k) + "\n", StandardCharsets.US_ASCII);
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try {
            Files.createLink(f, tmp); // fails when it exists: a rename would replace a secret already in use
        } catch (java.nio.file.FileAlreadyExistsException raced) {
            // another process made it first: use theirs
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
