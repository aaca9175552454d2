package org.tegami.mailauth;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for Authentication-Results reading (docs/fuzzing.md). Contract: a parse or
 * {@link IllegalArgumentException}; {@link AuthResults#isOurs} never throws; a field we build reads back.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class AuthResultsFuzzTest {
    @FuzzTest(maxDuration = "5m")
    void parse(byte[] input) {
        String v = new String(input, StandardCharsets.ISO_8859_1);
        try {
            AuthResults.Parsed p = AuthResults.parse(v);
            assertTrue(p.results().size() <= AuthResults.MAX_RESULTS + 1);
        } catch (IllegalArgumentException expected) {
            // the declared failure
        }
        AuthResults.isOurs("Authentication-Results:" + v, "mx.example.org");
        String built = new AuthResults.Builder("mx.example.org").add("dkim", "pass", "header.d", v).build();
        assertTrue(AuthResults.isOurs(built.substring(0, built.length() - 2), "mx.example.org"), built);
    }
}
