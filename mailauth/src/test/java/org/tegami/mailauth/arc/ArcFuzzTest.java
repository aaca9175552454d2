package org.tegami.mailauth.arc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.tegami.mailauth.ZoneDns;

/**
 * Fuzz target for ARC chains (docs/fuzzing.md). Contract: a verdict, never an exception but the
 * {@link IOException} of an over-large header section; at most two key lookups per set; a pass only with sets.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ArcFuzzTest {
    @FuzzTest(maxDuration = "5m")
    void chain(byte[] message) {
        ZoneDns dns = new ZoneDns();
        try {
            ArcVerdict v = new ArcVerifier(dns, InstantSource.fixed(Instant.EPOCH)).verify(new ByteArrayInputStream(message));
            assertTrue(dns.queries.get() <= 2 * Math.max(1, v.instances()));
            assertTrue(v.result() != ArcResult.PASS || v.instances() > 0);
        } catch (IOException e) {
            assertTrue(message.length > 200_000, e::toString);
        }
    }
}
