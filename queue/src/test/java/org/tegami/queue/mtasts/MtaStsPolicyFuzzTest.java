package org.tegami.queue.mtasts;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for the MTA-STS policy file (RFC 8461 §3.2), fetched from the recipient domain's web server
 * (docs/fuzzing.md). Contract: parsing returns a policy or empty and never throws; a policy's max_age is within
 * the RFC's bound, and matching an MX host name never throws.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class MtaStsPolicyFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void policy(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        Optional<MtaStsPolicy> p = MtaStsPolicy.parse(text);
        if (p.isEmpty()) return;
        assertTrue(p.get().maxAge().getSeconds() >= 0 && p.get().maxAge().getSeconds() <= MtaStsPolicy.MAX_AGE_LIMIT);
        for (String mx : p.get().mx()) {
            p.get().allows(mx);
            p.get().allows("a." + mx);
        }
        p.get().allows("mx.example.test.");
        p.get().allows("");
    }
}
