package org.tegami.managesieve.proto;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for {@link ManageSieveParser}: client bytes cut into commands the way the session reads them (lines up
 * to {@link ManageSieveParser#MAX_LINE}, literals announced at a line's end and read in place, at most
 * {@link ManageSieveParser#MAX_ARGUMENTS} per command, none beyond {@link #LITERAL_LIMIT}); each command either
 * parses or fails with {@link ManageSieveSyntaxException}. Regression mode replays
 * {@code src/test/resources/org/tegami/managesieve/proto/ManageSieveParserFuzzTestInputs}; {@code scripts/fuzz
 * managesieve} fuzzes.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ManageSieveParserFuzzTest {
    static final int LITERAL_LIMIT = 4096;
    private static final int MAX_COMMANDS = 32;

    @FuzzTest(maxDuration = "5m")
    void commands(byte[] data) {
        int pos = 0;
        for (int n = 0; n < MAX_COMMANDS && pos < data.length; n++) {
            ByteArrayOutputStream cmd = new ByteArrayOutputStream();
            int literals = 0;
            while (pos < data.length) {
                int lf = indexOf(data, pos, (byte) '\n');
                int end = lf < 0 ? data.length : lf;
                byte[] line = Arrays.copyOfRange(data, pos, end > pos && data[end - 1] == '\r' ? end - 1 : end);
                pos = lf < 0 ? data.length : lf + 1;
                if (line.length + 2 > ManageSieveParser.MAX_LINE) return; // the session says BYE
                cmd.writeBytes(line);
                OptionalLong lit;
                try {
                    lit = ManageSieveParser.literalAt(line);
                } catch (ManageSieveSyntaxException e) {
                    assertNotNull(e.getMessage());
                    return; // BYE
                }
                if (lit.isEmpty()) break;
                long len = lit.getAsLong();
                assertTrue(len <= ManageSieveParser.MAX_NUMBER);
                if (++literals > ManageSieveParser.MAX_ARGUMENTS || len > LITERAL_LIMIT) return; // BYE
                if (len > data.length - pos) return; // EOF inside the literal
                cmd.write('\r');
                cmd.write('\n');
                cmd.write(data, pos, (int) len);
                pos += (int) len;
            }
            byte[] bytes = cmd.toByteArray();
            try {
                ManageSieveCommand c = ManageSieveParser.parse(bytes);
                assertNotNull(c);
                // nothing in a parsed command is larger than the bytes it came from
                assertTrue(c.toString().length() <= bytes.length + 64, c::toString);
            } catch (ManageSieveSyntaxException e) {
                assertNotNull(e.getMessage());
                assertTrue(e.getMessage().indexOf('\r') < 0 && e.getMessage().indexOf('\n') < 0);
            }
            try {
                String s = ManageSieveParser.parseSaslResponse(bytes);
                // what goes back out as a string is one quoted string or one literal, never a bare line break
                String enc = ManageSieveEncoder.string(s);
                assertTrue(enc.startsWith("\"") || enc.startsWith("{"), enc);
            } catch (ManageSieveSyntaxException e) {
                assertNotNull(e.getMessage());
            }
        }
    }

    private static int indexOf(byte[] b, int from, byte v) {
        for (int i = from; i < b.length; i++) if (b[i] == v) return i;
        return -1;
    }
}
