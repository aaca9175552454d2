package org.tegami.sieve;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz targets for Sieve scripts, which users upload through ManageSieve (docs/fuzzing.md). {@code compile}: any
 * text compiles or fails with a {@link SieveException} whose message is one line with a position; nothing else
 * escapes. {@code evaluate}: a script that compiles runs against a fixed message and a context answering
 * everything, with a small CPU budget, and always returns a result (no exception); after a runtime error it has
 * no actions and keeps the message.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SieveFuzzTest {
    private static final SieveLimits LIMITS = SieveLimits.DEFAULTS.withCpuBudget(2_000_000);

    @FuzzTest(maxDuration = "5m")
    void compile(byte[] input) {
        String source = new String(input, StandardCharsets.UTF_8);
        try {
            assertNotNull(Sieve.compile(source, LIMITS));
        } catch (SieveException e) {
            String m = e.getMessage();
            assertFalse(m.indexOf('\r') >= 0 || m.indexOf('\n') >= 0, m);
            assertTrue(e.line() >= 1 && e.column() >= 1, m);
            assertTrue(m.length() < 300, m);
        }
    }

    @FuzzTest(maxDuration = "5m")
    void evaluate(byte[] input) {
        String source = new String(input, StandardCharsets.UTF_8);
        SieveScript script;
        try {
            script = Sieve.compile(source, LIMITS);
        } catch (SieveException e) {
            return;
        }
        Fixture context = new Fixture();
        context.personal.put("a", source);
        context.global.put("a", "keep;");
        Result r = script.evaluate(Fixture.message(BodyTest.MULTIPART), context);
        assertNotNull(r);
        if (r.failed()) {
            assertTrue(r.actions().isEmpty() && r.implicitKeep(), r::toString);
        }
        assertTrue(r.actions().size() <= LIMITS.actions(), r::toString);
        assertTrue(r.actions().stream().filter(a -> a instanceof Action.Redirect).count() <= LIMITS.redirects());
        r.headers().prefix().ifPresent(p -> assertFalse(p.contains("\n\n") || p.contains("\r\n\r\n"), p));
    }
}
