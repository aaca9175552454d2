package org.tegami.smtp.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for {@link SmtpParser} (docs/fuzzing.md). Contract: any command line (the reader has already cut the
 * CRLF) either parses or fails with {@link SmtpSyntaxException} carrying a one-line 5xx reply; any other throwable,
 * a reply that could inject a line, or a parsed value holding characters the line could not carry, is a finding.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SmtpParserFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void command(byte[] line) {
        SmtpCommand c;
        try {
            c = SmtpParser.parse(line);
        } catch (SmtpSyntaxException e) {
            SmtpReply r = e.reply();
            assertNotNull(r);
            assertTrue(r.code() >= 500 && r.code() <= 555, r::toString);
            String wire = r.encode();
            // exactly one reply line: nothing from the input may break out of it
            assertEquals(wire.length() - 2, wire.indexOf("\r\n"), wire);
            assertFalse(wire.indexOf('\n') < wire.length() - 1 || wire.substring(0, wire.length() - 2).indexOf('\r') >= 0, wire);
            return;
        }
        assertNotNull(c);
        String s = c.toString();
        assertFalse(s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\0') >= 0, s);
        assertTrue(s.length() <= 2 * line.length + 128, s);
        if (c instanceof SmtpCommand.Bdat b) assertTrue(b.size() >= 0, s);
    }
}
