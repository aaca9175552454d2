package org.tegami.imap.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for modified UTF-7 mailbox names (RFC 3501 §5.1.3), which IMAP4rev1 clients send and receive
 * (docs/fuzzing.md). Contract: decoding returns a name or throws {@link IllegalArgumentException}; encoding yields
 * printable US-ASCII that decodes back to the same name; a decoded name encodes to a form that decodes to it again.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class MailboxNameFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void modifiedUtf7(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);

        // any text (what a UTF8=ACCEPT client or the store holds) survives encode then decode
        String encoded = MailboxName.encodeModifiedUtf7(text);
        assertTrue(encoded.chars().allMatch(c -> c >= 0x20 && c <= 0x7e), encoded);
        assertEquals(text, MailboxName.decodeModifiedUtf7(encoded));

        // what an IMAP4rev1 client sends either decodes or is refused with IllegalArgumentException
        String decoded;
        try {
            decoded = MailboxName.decodeModifiedUtf7(text);
        } catch (IllegalArgumentException e) {
            return;
        }
        assertTrue(decoded.length() <= text.length(), decoded);
        assertEquals(decoded, MailboxName.decodeModifiedUtf7(MailboxName.encodeModifiedUtf7(decoded)));
        MailboxName.isValid(decoded);
        assertTrue(MailboxName.normalize(decoded).length() == decoded.length());
    }
}
