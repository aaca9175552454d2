package org.tegami.delivery.spam;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for the classifier's tokenizer and HTML stripper (docs/fuzzing.md): every inbound message reaches them.
 * Contract: never throws; at most {@link Tokenizer#MAX_TOKENS} tokens, none empty; the stripped text is no longer
 * than the HTML and at most {@link HtmlText#MAX_URLS} URLs come out.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class TokenizerFuzzTest {
    @FuzzTest(maxDuration = "5m")
    void tokens(byte[] raw) {
        Set<String> t = Tokenizer.tokens(raw, List.of());
        assertTrue(t.size() <= Tokenizer.MAX_TOKENS);
        assertTrue(t.stream().noneMatch(String::isEmpty));
        String html = new String(raw, StandardCharsets.UTF_8);
        HtmlText.Result r = HtmlText.strip(html, 1 << 16);
        assertTrue(r.text().length() <= Math.min(html.length(), 1 << 16));
        assertTrue(r.urls().size() <= HtmlText.MAX_URLS);
    }
}
