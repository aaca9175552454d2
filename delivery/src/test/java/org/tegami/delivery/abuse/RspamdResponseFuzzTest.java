package org.tegami.delivery.abuse;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for the reader of rspamd's {@code /checkv2} answers (docs/fuzzing.md): another process's bytes.
 * Contract: {@link IllegalArgumentException} only; a response has an action, at most
 * {@link RspamdResponse#MAX_SYMBOLS} symbols, finite scores, and a verdict header without bare CR or LF.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RspamdResponseFuzzTest {
    @FuzzTest(maxDuration = "5m")
    void response(byte[] body) {
        RspamdResponse r;
        try {
            r = RspamdResponse.parse(body);
        } catch (IllegalArgumentException e) {
            return;
        }
        assertTrue(r.action() != null && r.symbols().size() <= RspamdResponse.MAX_SYMBOLS);
        assertTrue(Double.isFinite(r.score()) && Double.isFinite(r.requiredScore()));
        String h = RspamdStage.header(r);
        assertTrue(h.replace("\r\n\t", "").chars().noneMatch(c -> c == '\r' || c == '\n'), h);
        for (String line : h.split("\r\n")) assertTrue(line.length() <= 998, "RFC 5322 §2.1.1 line limit");
    }
}
