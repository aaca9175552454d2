package org.tegami.pop3.proto;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for {@link Pop3Parser}: any command line either parses or fails with {@link Pop3SyntaxException};
 * every other throwable is a finding. Regression mode (the normal build) replays the corpus in
 * {@code src/test/resources/org/tegami/pop3/proto/Pop3ParserFuzzTestInputs}; {@code scripts/fuzz pop3} fuzzes.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class Pop3ParserFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void command(byte[] line) {
        Pop3Command c;
        try {
            c = Pop3Parser.parse(line);
        } catch (Pop3SyntaxException e) {
            assertNotNull(e.getMessage());
            return;
        }
        assertNotNull(c);
        // nothing in a parsed command is larger than the line it came from
        assertTrue(c.toString().length() <= line.length + 64, c::toString);
    }
}
