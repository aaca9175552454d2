package org.tegami.mailauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for the Authentication-Results stripper (docs/fuzzing.md). Contract: never throws on any bytes,
 * never adds bytes, gives the same output however the input is split, and never lets a field through that
 * {@link AuthResults#isOurs} calls ours.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class AuthResultsStripperFuzzTest {
    @FuzzTest(maxDuration = "5m")
    void strip(byte[] input) throws IOException {
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        try (AuthResultsStripper s = new AuthResultsStripper(whole, "mx.example.org")) {
            s.write(input);
        }
        ByteArrayOutputStream split = new ByteArrayOutputStream();
        try (AuthResultsStripper s = new AuthResultsStripper(split, "mx.example.org")) {
            int half = input.length / 2;
            s.write(input, 0, half);
            for (int i = half; i < input.length; i++) s.write(input[i]);
        }
        assertEquals(whole.toString(java.nio.charset.StandardCharsets.ISO_8859_1),
                split.toString(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertTrue(whole.size() <= input.length);
    }
}
