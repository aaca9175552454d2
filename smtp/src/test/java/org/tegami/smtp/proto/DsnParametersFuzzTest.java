package org.tegami.smtp.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for {@link DsnParameters} (docs/fuzzing.md): any RET, ENVID, NOTIFY and ORCPT values either parse or
 * fail with a one-line 501; decoded values hold only printable US-ASCII, are no longer than their input, and
 * encode back to xtext that decodes to the same value.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DsnParametersFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void parameters(FuzzedDataProvider data) throws Exception {
        String ret = data.consumeBoolean() ? data.consumeString(8) : null;
        String envid = data.consumeBoolean() ? data.consumeString(200) : null;
        String notify = data.consumeBoolean() ? data.consumeString(40) : null;
        String orcpt = data.consumeBoolean() ? data.consumeRemainingAsString() : null;
        try {
            var m = DsnParameters.mail(ret, envid);
            m.envid().ifPresent(e -> check(e, envid));
        } catch (SmtpSyntaxException e) {
            assertEquals(501, e.reply().code());
            assertEquals(e.reply().encode().length() - 2, e.reply().encode().indexOf("\r\n"));
        }
        try {
            var r = DsnParameters.rcpt(notify, orcpt);
            r.orcpt().ifPresent(o -> check(o, orcpt));
        } catch (SmtpSyntaxException e) {
            assertEquals(501, e.reply().code());
            assertEquals(e.reply().encode().length() - 2, e.reply().encode().indexOf("\r\n"));
        }
    }

    private static void check(String decoded, String input) {
        assertTrue(decoded.length() <= input.length(), decoded);
        assertTrue(decoded.chars().allMatch(c -> c >= 0x20 && c <= 0x7e), decoded);
        try {
            assertEquals(decoded, DsnParameters.decode(DsnParameters.xtext(decoded), "T"));
        } catch (SmtpSyntaxException e) {
            throw new AssertionError(e);
        }
    }
}
