package org.tegami.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PasswordHasherTest {
    private static final PasswordHasher HASHER = new PasswordHasher();
    private static final Pattern PHC =
            Pattern.compile("\\$argon2id\\$v=19\\$m=19456,t=2,p=1\\$([A-Za-z0-9+/]+)\\$([A-Za-z0-9+/]+)");

    @Test
    void hashIsAnArgon2idPhcStringWithOwaspParameters() {
        Matcher m = PHC.matcher(HASHER.hash("correct horse".toCharArray()));
        assertTrue(m.matches(), m.toString());
        assertEquals(16, Base64.getDecoder().decode(m.group(1)).length, "salt bytes");
        assertEquals(32, Base64.getDecoder().decode(m.group(2)).length, "hash bytes");
        assertEquals(22, m.group(1).length(), "no padding");
        assertEquals(43, m.group(2).length(), "no padding");
    }

    @Test
    void verifiesTheRightPasswordOnly() {
        String h = HASHER.hash("correct horse".toCharArray());
        assertTrue(HASHER.verify("correct horse".toCharArray(), h));
        assertFalse(HASHER.verify("correct horsE".toCharArray(), h));
        assertFalse(HASHER.verify("".toCharArray(), h));
        String unicode = HASHER.hash("pässwörd 🔑".toCharArray());
        assertTrue(HASHER.verify("pässwörd 🔑".toCharArray(), unicode));
        assertFalse(HASHER.verify("passwörd 🔑".toCharArray(), unicode));
    }

    @Test
    void twoHashesOfOnePasswordDifferBySalt() {
        String a = HASHER.hash("same".toCharArray());
        String b = HASHER.hash("same".toCharArray());
        assertNotEquals(a, b);
        assertNotEquals(a.split("\\$")[4], b.split("\\$")[4]);
    }

    @Test
    void tamperedHashOrSaltFails() {
        String h = HASHER.hash("pw".toCharArray());
        String[] p = h.split("\\$");
        String otherHash = flipFirst(p[5]);
        String otherSalt = flipFirst(p[4]);
        assertFalse(HASHER.verify("pw".toCharArray(), String.join("$", p[0], p[1], p[2], p[3], p[4], otherHash)));
        assertFalse(HASHER.verify("pw".toCharArray(), String.join("$", p[0], p[1], p[2], p[3], otherSalt, p[5])));
        assertFalse(HASHER.verify("pw".toCharArray(), h.replace("t=2", "t=3")), "parameters are part of the hash");
        assertFalse(HASHER.verify("pw".toCharArray(), h.replace("$argon2id$", "$argon2i$")));
        assertFalse(HASHER.verify("pw".toCharArray(), h.replace("v=19", "v=16")));
    }

    private static String flipFirst(String b64) {
        return (b64.charAt(0) == 'A' ? "B" : "A") + b64.substring(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "password",
            "$2y$10$abcdefghijklmnopqrstuu5Y2nQdG3pD9Qn2F1XvD6Cz7l8o0aK",
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ",
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$!!!notbase64!!!",
            "$argon2id$v=19$m=19456,t=2,p=1,x=3$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
            "$argon2id$v=19$m=x,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
            "$argon2id$v=19$m=19456,t=2$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
            // Absurd costs are refused before computing: a corrupted row must not take minutes or gigabytes.
            "$argon2id$v=19$m=99999999,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
            "$argon2id$v=19$m=19456,t=100000,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
            "$argon2id$v=19$m=8,t=2,p=2$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
    })
    void unparseableOrOutOfBoundsStringsAreFalse(String encoded) {
        assertFalse(HASHER.verify("password".toCharArray(), encoded));
        assertTrue(HASHER.needsRehash(encoded));
    }

    @Test
    void nullEncodedIsFalse() {
        assertFalse(HASHER.verify("password".toCharArray(), null));
    }

    /**
     * Vectors from the reference implementation's test suite (P-H-C/phc-winner-argon2 src/test.c, repeated in
     * libar2's test.c): independent of Bouncy Castle, and covering two lanes and non-default costs.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "password          | $argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
            "password          | $argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
            "password          | $argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc",
            "password          | $argon2id$v=19$m=65536,t=1,p=1$c29tZXNhbHQ$9qWtwbpyPd3vm1rB1GThgPzZ3/ydHL92zKL+15XZypg",
            "differentpassword | $argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$C4TWUs9rDEvq7w3+J4umqA32aWKB1+DSiRuBfYxFj94",
            "password          | $argon2id$v=19$m=65536,t=2,p=1$ZGlmZnNhbHQ$vfMrBczELrFdWP0ZsfhWsRPaHppYdP3MVEMIVlqoFBw",
    })
    void matchesTheReferenceImplementation(String password, String encoded) {
        assertTrue(HASHER.verify(password.toCharArray(), encoded));
        assertFalse(HASHER.verify((password + "x").toCharArray(), encoded));
    }

    @Test
    void weakerOrShorterHashesNeedRehash() {
        assertFalse(HASHER.needsRehash(HASHER.hash("pw".toCharArray())));
        assertTrue(HASHER.needsRehash("$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"));
        assertTrue(HASHER.needsRehash("$argon2id$v=19$m=65536,t=1,p=1$c29tZXNhbHQ$9qWtwbpyPd3vm1rB1GThgPzZ3/ydHL92zKL+15XZypg"));
        // Stronger costs but the 8-byte salt of the reference vectors: below our 16 bytes.
        assertTrue(HASHER.needsRehash("$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"));
        PasswordHasher stronger = new PasswordHasher(PasswordHasher.MEMORY_KIB * 2, 3, 1);
        assertTrue(stronger.needsRehash(HASHER.hash("pw".toCharArray())), "parameters can be raised later");
    }

    @Test
    void dummyVerificationTakesAboutAsLongAsARealOne() {
        String h = HASHER.hash("pw".toCharArray());
        // Warm up both paths, then compare the median of a few runs: same algorithm, same parameters.
        for (int i = 0; i < 2; i++) {
            HASHER.verify("nope".toCharArray(), h);
            HASHER.verifyDummy("nope".toCharArray());
        }
        long real = median(() -> HASHER.verify("nope".toCharArray(), h));
        long dummy = median(() -> HASHER.verifyDummy("nope".toCharArray()));
        // Wide bounds: the point is that the dummy really runs Argon2id (a skipped check takes microseconds).
        assertTrue(dummy > real / 4 && dummy < real * 4, "real " + real + " ns, dummy " + dummy + " ns");
    }

    private static long median(Runnable r) {
        long[] t = new long[5];
        for (int i = 0; i < t.length; i++) {
            long start = System.nanoTime();
            r.run();
            t[i] = System.nanoTime() - start;
        }
        java.util.Arrays.sort(t);
        return t[t.length / 2];
    }
}
