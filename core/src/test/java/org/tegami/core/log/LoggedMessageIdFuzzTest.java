package org.tegami.core.log;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for {@link LoggedMessageId} (docs/fuzzing.md). Contract: any message head gives an empty result or
 * an id of at most {@link LoggedMessageId#MAX_ID} visible ASCII characters in angle brackets, with nothing that
 * could break a text or JSON log line; any throwable is a finding.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LoggedMessageIdFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void head(byte[] head) {
        LoggedMessageId.find(head).ifPresent(id -> {
            assertTrue(id.length() >= 3 && id.length() <= LoggedMessageId.MAX_ID, id);
            assertTrue(id.startsWith("<") && id.endsWith(">"), id);
            assertTrue(id.chars().allMatch(c -> c > ' ' && c < 0x7f && c != '"' && c != '\\'), id);
        });
    }
}
