package org.tegami.mailauth.srs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for the SRS decoder, which reads the recipient addresses strangers send to port 25 (docs/fuzzing.md).
 * Contract: never throws; a valid result is an address no longer than its input, and a forged variant of a valid
 * address does not pass.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SrsFuzzTest {
    private static final Srs SRS = new Srs(List.of("fuzz-secret-fuzz-secret-fuzz-sec".getBytes(StandardCharsets.US_ASCII)),
            InstantSource.fixed(Instant.parse("2026-12-06T12:00:00Z")), Duration.ofDays(21));

    @FuzzTest(maxDuration = "5m")
    void reverse(byte[] input) {
        String local = new String(input, StandardCharsets.UTF_8);
        switch (SRS.reverse(local)) {
            case Srs.Reversed.NotSrs n -> assertTrue(!Srs.looksLikeSrs(local));
            case Srs.Reversed.Invalid i -> assertTrue(!i.reason().isEmpty());
            case Srs.Reversed.Valid v -> {
                assertTrue(v.address().length() <= local.length() + 1, v.address());
                assertTrue(v.address().contains("@"));
            }
        }
        // whatever the fuzzer wrote as a sender, what we make of it reverses to it
        int at = local.lastIndexOf('@');
        if (at > 0 && at < local.length() - 1 && !Srs.looksLikeSrs(local) && local.indexOf('@') == at
                && org.tegami.mime.EmailAddress.parse(local).isPresent()) {
            String fwd = SRS.forward(local, "fwd.example");
            if (!fwd.isEmpty() && !local.substring(at + 1).equalsIgnoreCase("fwd.example")) {
                assertEquals(new Srs.Reversed.Valid(local), SRS.reverse(fwd.substring(0, fwd.lastIndexOf('@'))));
            }
        }
    }
}
