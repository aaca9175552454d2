package org.tegami.sieve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hostile scripts and messages: each must end fast with a clear compile error or runtime error and implicit keep. */
class LimitsTest {
    private final Fixture f = new Fixture();
    private static final Duration FAST = Duration.ofSeconds(5);

    private static void compileFails(String script, String fragment) {
        assertTimeoutPreemptively(FAST, () -> Fixture.assertCompileError(script, fragment));
    }

    private Result runsFast(String script, SieveMessage message) {
        return assertTimeoutPreemptively(FAST, () -> f.run(script, message));
    }

    @Test
    void scriptSize() {
        compileFails("#" + "x".repeat(70_000), "script larger than 65536");
    }

    @Test
    void tokenCount() {
        compileFails("keep;".repeat(12_000), "more than 20000 tokens");
    }

    @Test
    void deepNesting() {
        compileFails("if true {".repeat(3_000) + "}".repeat(3_000), "nesting deeper than 32");
        compileFails("if " + "not ".repeat(10_000) + "true {}", "nesting deeper");
        compileFails("if " + "anyof(".repeat(5_000) + "true" + ")".repeat(5_000) + " {}", "nesting deeper");
    }

    @Test
    void hugeStrings() {
        compileFails("require \"fileinto\"; fileinto \"" + "a".repeat(40_000) + "\";", "string longer than 32768");
        compileFails("require \"fileinto\"; fileinto text:\n" + "aaaaaaaaaa\n".repeat(4_000) + ".\n;", "string longer");
        compileFails("if header :is \"a\" [" + "\"x\",".repeat(2_000) + "\"y\"] {}", "string list longer");
        compileFails("if size :over 99999999999999999999 {}", "number too large");
        compileFails("if size :over 9999999999G {}", "number too large");
    }

    @Test
    void unterminatedThings() {
        compileFails("keep; /* never closed", "unterminated comment");
        compileFails("if header :is \"a\" \"b", "unterminated string");
        compileFails("require \"fileinto\"; fileinto text:\nabc\n", "unterminated multi-line");
    }

    @Test
    void millionStarGlobIsLinear() {
        String stars = "*".repeat(30_000);
        String script = "require \"variables\"; set \"p\" \"" + stars + "\"; set \"q\" \"${p}${p}${p}\";"
                + " if header :matches \"Subject\" \"${q}${q}${q}${q}${q}${q}${q}${q}${q}${q}${q}x\" { discard; }";
        // the expansion limit stops at 32 KiB; the compile-time limit stops the literal
        Result r = runsFast(script, Fixture.message(Fixture.MESSAGE));
        assertTrue(r.runtimeError().get().contains("string longer"), r.runtimeError().get());
        // a whole million stars in a key via a long header value: bounded by the CPU budget, not backtracking
        String raw = "Subject: " + "a".repeat(30_000) + "\r\n\r\nx\r\n";
        SieveMessage m = RawSieveMessage.of(raw.getBytes(StandardCharsets.US_ASCII), "a@b.test", "c@d.test", 1000);
        String glob = "*a".repeat(10_000) + "b";
        Result g = runsFast("if header :matches \"Subject\" \"" + glob + "\" { discard; }", m);
        assertTrue(g.runtimeError().isEmpty() || g.runtimeError().get().contains("CPU"));
        assertTrue(g.implicitKeep());
    }

    @Test
    void oneMillionStars() {
        compileFails("if header :matches \"Subject\" \"" + "*".repeat(1_000_000) + "\" {}", "script larger");
        // the matcher itself, given a million stars, works in time linear in pattern and text
        String stars = "*".repeat(1_000_000);
        assertTimeoutPreemptively(FAST, () -> {
            Comparator c = new Comparator("i;ascii-casemap", new Budget(100_000_000));
            assertEquals(null, c.matches("a".repeat(100_000), stars + "b"));
            assertEquals(1_000_000, c.matches("a".repeat(100_000), stars + "a").size());
        });
    }

    @Test
    void longNeedlesAreLinear() {
        String raw = "Subject: " + "a".repeat(30_000) + "\r\n\r\nx\r\n";
        SieveMessage m = RawSieveMessage.of(raw.getBytes(StandardCharsets.US_ASCII), "a@b.test", "c@d.test", 1000);
        // naive substring search would compare 15,000 × 15,000 characters per test; KMP about 45,000
        String needle = "a".repeat(15_000) + "b";
        StringBuilder s = new StringBuilder("if anyof(");
        for (int i = 0; i < 2; i++) s.append(i > 0 ? "," : "").append("header :contains \"Subject\" \"").append(needle).append('"');
        s.append(", header :matches \"Subject\" \"*").append(needle).append("*\") { discard; }");
        Result r = runsFast(s.toString(), m);
        assertTrue(r.runtimeError().isEmpty(), () -> r.runtimeError().get());
        assertEquals(List.of(), r.actions());
    }

    @Test
    void quadraticWildcardSearchHitsTheBudget() {
        String raw = "Subject: " + "a".repeat(30_000) + "\r\n\r\nx\r\n";
        SieveMessage m = RawSieveMessage.of(raw.getBytes(StandardCharsets.US_ASCII), "a@b.test", "c@d.test", 1000);
        // a segment with '?' is searched position by position: 16,000 positions × up to 14,000 comparisons
        String s = "if header :matches \"Subject\" \"*" + "?a".repeat(7_000) + "b*\" { discard; }";
        Result r = runsFast(s, m);
        assertEquals("CPU budget exceeded", r.runtimeError().get());
        assertTrue(r.implicitKeep());
    }

    @Test
    void actionsAndRedirects() {
        Result many = f.run("require \"fileinto\";" + "fileinto \"x\";".repeat(100));
        assertTrue(many.runtimeError().get().contains("more than 64 actions"));
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 5; i++) s.append("redirect \"u").append(i).append("@example.net\";");
        Result r = f.run(s.toString());
        assertEquals("more than 4 redirects", r.runtimeError().get());
        assertTrue(r.implicitKeep());
        assertEquals(List.of(), r.actions());
    }

    @Test
    void expansionBombIsStopped() {
        StringBuilder s = new StringBuilder("require \"variables\"; set \"a\" \"xxxxxxxxxxxxxxxx\";");
        for (int i = 0; i < 20; i++) s.append("set \"a\" \"${a}${a}\";");
        Result r = runsFast(s.toString(), Fixture.message(Fixture.MESSAGE));
        // values are truncated at 4096, so doubling never grows past it
        assertTrue(r.runtimeError().isEmpty());
        SieveLimits tight = SieveLimits.DEFAULTS.withCpuBudget(10_000);
        Result t = assertTimeoutPreemptively(FAST, () -> Sieve.compile(s.toString(), tight).evaluate(Fixture.message(Fixture.MESSAGE), f));
        assertEquals("CPU budget exceeded", t.runtimeError().get());
    }

    @Test
    void includeCycleEndsFast() {
        f.personal.put("loop", "require \"include\"; include \"loop\";");
        Result r = runsFast("require \"include\"; include \"loop\";", Fixture.message(Fixture.MESSAGE));
        assertTrue(r.runtimeError().get().contains("include loop"));
        // many distinct includes are bounded too
        for (int i = 0; i < 40; i++) f.personal.put("i" + i, "keep;");
        StringBuilder s = new StringBuilder("require \"include\";");
        for (int i = 0; i < 40; i++) s.append("include \"i").append(i).append("\";");
        assertTrue(f.run(s.toString()).runtimeError().get().contains("included scripts"));
    }

    @Test
    void hugeHeaderIsBounded() {
        StringBuilder raw = new StringBuilder();
        for (int i = 0; i < 200_000; i++) raw.append("X-Junk-").append(i).append(": ").append("v".repeat(40)).append("\r\n");
        raw.append("Subject: late\r\n\r\nbody text\r\n");
        SieveMessage m = assertTimeoutPreemptively(FAST,
                () -> RawSieveMessage.of(raw.toString().getBytes(StandardCharsets.US_ASCII), "a@b.test", "c@d.test", 1000));
        assertEquals(RawSieveMessage.MAX_FIELDS, m.headers().size());
        assertEquals("body text\r\n", m.body().raw());
        Result r = runsFast("if header :contains \"X-Junk-1999\" \"v\" { discard; }", m);
        assertEquals(List.of(new Action.Discard()), r.actions());
        StringBuilder wide = new StringBuilder("Subject: ");
        wide.append("w".repeat(RawSieveMessage.MAX_HEADER_CHARS * 2)).append("\r\nX-After: 1\r\n\r\nbody\r\n");
        SieveMessage w = RawSieveMessage.of(wide.toString().getBytes(StandardCharsets.US_ASCII), "a@b.test", "c@d.test", 1000);
        assertEquals(List.of(), w.headers());
        assertEquals("body\r\n", w.body().raw());
    }

    @Test
    void hostileMimeIsBounded() {
        StringBuilder raw = new StringBuilder();
        for (int i = 0; i < 100; i++) raw.append("Content-Type: multipart/mixed; boundary=b").append(i).append("\r\n\r\n--b").append(i).append("\r\n");
        raw.append("\r\nhello\r\n");
        SieveMessage m = RawSieveMessage.of(raw.toString().getBytes(StandardCharsets.US_ASCII), "a@b.test", "c@d.test", 1 << 20);
        Result r = runsFast("require \"body\"; if body :contains \"hello\" { discard; }", m);
        assertTrue(r.runtimeError().isEmpty());
        StringBuilder parts = new StringBuilder("Content-Type: multipart/mixed; boundary=x\r\n\r\n");
        for (int i = 0; i < 5_000; i++) parts.append("--x\r\n\r\np\r\n");
        SieveMessage many = RawSieveMessage.of(parts.toString().getBytes(StandardCharsets.US_ASCII), "a@b.test", "c@d.test", 1 << 20);
        assertEquals(RawSieveMessage.MAX_PARTS, many.body().parts().size());
    }
}
