package org.tegami.auth;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashes (RFC 9106) in the PHC string format, e.g.
 * {@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>}. Parameters are read back from each stored string, so they
 * can be raised later without invalidating old hashes. Thread-safe.
 */
public final class PasswordHasher {
    /** OWASP's minimum recommendation for Argon2id: 19 MiB, 2 iterations, 1 lane. */
    static final int MEMORY_KIB = 19456;
    static final int ITERATIONS = 2;
    static final int PARALLELISM = 1;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    private final SecureRandom random = new SecureRandom();
    private final int memoryKib;
    private final int iterations;
    private final int parallelism;
    private final String dummy;

    public PasswordHasher() {
        this(MEMORY_KIB, ITERATIONS, PARALLELISM);
    }

    /** Other parameters, for tests of upgrading old hashes. */
    PasswordHasher(int memoryKib, int iterations, int parallelism) {
        this.memoryKib = memoryKib;
        this.iterations = iterations;
        this.parallelism = parallelism;
        dummy = hash("dummy password for unknown users".toCharArray());
    }

    /** A PHC string for {@code password} with a fresh random salt and this hasher's parameters. */
    public String hash(char[] password) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        byte[] h = argon2(password, salt, memoryKib, iterations, parallelism, HASH_BYTES);
        return "$argon2id$v=19$m=" + memoryKib + ",t=" + iterations + ",p=" + parallelism + "$"
                + B64.encodeToString(salt) + "$" + B64.encodeToString(h);
    }

    /** Constant-time check of {@code password} against a stored PHC string; false for anything unparseable. */
    public boolean verify(char[] password, String encoded) {
        Phc p = Phc.parse(encoded);
        if (p == null) return false;
        byte[] h = argon2(password, p.salt, p.memory, p.iterations, p.parallelism, p.hash.length);
        return MessageDigest.isEqual(h, p.hash);
    }

    /** Spends the time of one verification, so unknown users cannot be told apart by timing. */
    public void verifyDummy(char[] password) {
        verify(password, dummy);
    }

    /** True when {@code encoded} is an Argon2id PHC string this class can verify (parameters within its limits). */
    public static boolean isArgon2id(String encoded) {
        return Phc.parse(encoded) != null;
    }

    /** True when the stored hash uses weaker parameters than we now choose. */
    public boolean needsRehash(String encoded) {
        Phc p = Phc.parse(encoded);
        return p == null || p.memory < memoryKib || p.iterations < iterations || p.salt.length < SALT_BYTES
                || p.hash.length < HASH_BYTES;
    }

    private static byte[] argon2(char[] password, byte[] salt, int memory, int iterations, int parallelism, int len) {
        ByteBuffer bb = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        byte[] pw = new byte[bb.remaining()];
        bb.get(pw);
        try {
            var gen = new Argon2BytesGenerator();
            gen.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                    .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                    .withMemoryAsKB(memory).withIterations(iterations).withParallelism(parallelism)
                    .withSalt(salt).build());
            byte[] out = new byte[len];
            gen.generateBytes(pw, out);
            return out;
        } finally {
            Arrays.fill(pw, (byte) 0);
            if (bb.hasArray()) Arrays.fill(bb.array(), (byte) 0);
        }
    }

    private record Phc(int memory, int iterations, int parallelism, byte[] salt, byte[] hash) {
        /** Limits keep a corrupted or hostile hash string from making one check take minutes or gigabytes. */
        static Phc parse(String s) {
            try {
                String[] parts = s.split("\\$", -1);
                if (parts.length != 6 || !parts[0].isEmpty() || !parts[1].equals("argon2id") || !parts[2].equals("v=19")) {
                    return null;
                }
                int m = 0, t = 0, p = 0;
                for (String kv : parts[3].split(",")) {
                    String[] x = kv.split("=", 2);
                    int v = Integer.parseInt(x[1]);
                    switch (x[0]) {
                        case "m" -> m = v;
                        case "t" -> t = v;
                        case "p" -> p = v;
                        default -> { return null; }
                    }
                }
                byte[] salt = B64D.decode(parts[4]);
                byte[] hash = B64D.decode(parts[5]);
                // RFC 9106 §3.1: at least 8 KiB per lane.
                if (m < 8 * p || m > 1 << 20 || t < 1 || t > 16 || p < 1 || p > 16 || salt.length < 8 || hash.length < 16
                        || hash.length > 64) {
                    return null;
                }
                return new Phc(m, t, p, salt, hash);
            } catch (RuntimeException e) {
                return null;
            }
        }
    }
}
