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
 * no actions and keeps the message. {@code message}: any bytes as a message, read by {@link RawSieveMessage} and a
 * script using every kind of test on it: never throws, stays within the adapter's bounds.
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

    private static final SieveScript READS_EVERYTHING;

    static {
        try {
            READS_EVERYTHING = Sieve.compile("""
                    require ["body", "date", "index", "relational", "variables", "envelope", "subaddress", "duplicate",
                             "editheader", "fileinto", "vacation"];
                    if anyof (header :matches "subject" "*?*", address :detail :contains ["from", "to"] "a",
                              address :count "gt" ["to", "cc"] "1", exists "x-y", size :over 10,
                              date :value "ge" :zone "+0100" "date" "hour" "12", date :index 1 :last "received" "year" "2020",
                              duplicate, envelope :domain :is "from" "x") {
                        set "s" "${1}";
                    }
                    if body :content "text" :contains "${s}" { addheader "X-Body" "${s}"; }
                    if body :raw :matches "*--*" { deleteheader :index 1 "subject"; }
                    if body :text :contains "a" { fileinto "a"; }
                    vacation "away";
                    """, LIMITS);
        } catch (SieveException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FuzzTest(maxDuration = "5m")
    void message(byte[] input) {
        RawSieveMessage m = RawSieveMessage.of(input, "a+b@example.org", "c+d@example.org", 64 * 1024);
        assertTrue(m.headers().size() <= RawSieveMessage.MAX_FIELDS);
        SieveMessage.Body body = m.body();
        assertTrue(body.parts().size() <= RawSieveMessage.MAX_PARTS);
        assertTrue(body.raw().length() <= 64 * 1024);
        long text = 0;
        for (SieveMessage.Part p : body.parts()) text += p.text() == null ? 0 : p.text().length();
        assertTrue(text <= 2L * input.length + 16, () -> "decoded text larger than the message");
        Fixture context = new Fixture();
        context.user = java.util.List.of("c+d@example.org");
        Result r = READS_EVERYTHING.evaluate(m, context);
        assertNotNull(r);
        r.headers().prefix().ifPresent(p -> assertFalse(p.contains("\r\n\r\n"), p));
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
