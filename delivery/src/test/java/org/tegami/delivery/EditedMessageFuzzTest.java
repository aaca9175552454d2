package org.tegami.delivery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.tegami.sieve.HeaderField;
import org.tegami.sieve.RawSieveMessage;

/**
 * Fuzz target for the header layout of editheader's edited copies (docs/fuzzing.md): any received message's bytes
 * reach it. Contract: never throws; a layout, when found, has exactly the view's fields, each a non-empty range in
 * order within the header; rewriting the header with every field kept gives back the original header bytes (a
 * missing final CRLF added), and with the first field dropped exactly those bytes fewer.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class EditedMessageFuzzTest {
    @FuzzTest(maxDuration = "5m")
    void layout(byte[] raw) {
        List<HeaderField> seen = RawSieveMessage.of(raw, "", "a@b.test", 0).headers();
        for (boolean whole : new boolean[] {true, false}) {
            var found = EditedMessage.layout(raw, whole, seen);
            if (found.isEmpty()) continue;
            EditedMessage.Layout l = found.get();
            assertEquals(seen.size(), l.fields());
            int at = 0;
            for (int k = 0; k < l.fields(); k++) {
                assertEquals(at, l.starts()[k], "fields are contiguous from the start");
                assertTrue(l.ends()[k] > l.starts()[k]);
                at = l.ends()[k];
            }
            assertEquals(at, l.end());
            assertTrue(l.end() <= raw.length);
            byte[] same = EditedMessage.header(raw, l, seen, seen);
            byte[] expected = Arrays.copyOf(raw, l.end());
            if (l.fields() > 0 && raw[l.end() - 1] != '\n') {
                expected = (new String(expected, StandardCharsets.ISO_8859_1) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
            }
            assertArrayEquals(expected, same);
            if (l.fields() > 0) {
                List<HeaderField> rest = new ArrayList<>(seen.subList(1, seen.size()));
                byte[] less = EditedMessage.header(raw, l, seen, rest);
                int first = EditedMessage.header(raw, l, seen, List.of(seen.getFirst())).length;
                assertArrayEquals(Arrays.copyOfRange(same, first, same.length), less);
            }
        }
    }
}
