package org.tegami.mime.message;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tegami.mime.message.MessageStructureTest.Q;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz targets for stored mail, which is hostile input (docs/fuzzing.md): the MIME tree with ENVELOPE,
 * BODYSTRUCTURE, sections and BINARY, the search text, and the ENVELOPE address-list parser. Contract (ADR 0004):
 * never throws on any content; sections and decoded parts are never larger than the message (plus the CRLFs
 * HEADER.FIELDS adds); the rendered
 * structures stay within a linear bound of the input and their parentheses balance.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class MimeFuzzTest {
    private static final List<List<Integer>> PARTS = List.of(List.of(), List.of(1), List.of(2), List.of(1, 1),
            List.of(1, 2), List.of(2, 1), List.of(1, 1, 1), List.of(3, 2, 1));

    @FuzzTest(maxDuration = "5m")
    void structure(byte[] raw) {
        MessageStructure s = MessageStructure.parse(raw);
        long bound = 256L * (raw.length + 1);
        String envelope = s.envelope(Q);
        MalformedMessageTest.assertBalanced(envelope);
        assertTrue(envelope.length() <= bound, "ENVELOPE of " + raw.length + " octets has " + envelope.length());
        for (boolean ext : new boolean[] {false, true}) {
            String bs = s.bodyStructure(ext, Q);
            MalformedMessageTest.assertBalanced(bs);
            assertTrue(bs.length() <= bound, "BODYSTRUCTURE of " + raw.length + " octets has " + bs.length());
        }
        s.sentDate();
        s.header("Subject");
        for (List<Integer> part : PARTS) {
            for (String t : List.of("", "HEADER", "TEXT", "MIME", "HEADER.FIELDS", "HEADER.FIELDS.NOT")) {
                Optional<byte[]> section = s.section(raw, part, t, List.of("From", "Subject", "Content-Type"));
                // HEADER.FIELDS ends with the blank line and completes a last field without a line break: +4
                section.ifPresent(b -> assertTrue(b.length <= raw.length + 4, "section " + part + " " + t + " larger than the message"));
            }
            s.binary(raw, part).ifPresent(b -> assertTrue(b.data().length <= raw.length, "BINARY" + part + " larger than the message"));
        }
        MessageText m = MessageText.of(raw);
        m.text("a");
        m.header("subject", "re");
        m.body("x");
        assertNotNull(MessageText.preview(raw));
    }

    /**
     * The ENVELOPE address lists (From, To, Cc, ... values): at most one address per input character, and no field
     * longer than twice the input (a display name joins its words with single spaces, so {@code @@@ <x>} has the
     * name {@code "@ @ @"}).
     */
    @FuzzTest(maxDuration = "5m")
    void addressList(byte[] input) {
        String value = new String(input, StandardCharsets.UTF_8);
        List<AddressListParser.Address> list = AddressListParser.parse(value);
        assertTrue(list.size() <= value.length() + 1, () -> list.size() + " addresses from " + value.length() + " chars");
        for (AddressListParser.Address a : list) {
            for (String f : new String[] {a.name(), a.adl(), a.mailbox(), a.host()}) {
                assertTrue(f == null || f.length() <= 2 * value.length() + AddressListParser.MISSING_MAILBOX.length(), f);
            }
        }
    }
}
