package org.tegami.imap.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.tegami.mime.message.MessageStructure;

/** Sort keys from hostile headers: bounded in size, and computed in time linear in the header. */
class SortKeysTest {
    private static SortKeys keys(String headers) {
        return SortKeys.of(MessageStructure.parse((headers + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void ordinaryHeaders() {
        SortKeys k = keys("Date: Wed, 1 Jan 2025 12:00:00 +0000 (UTC)\r\nSubject: Re: Lunch\r\n"
                + "From: Carol <carol@example.org>\r\nMessage-ID: <1@example.org>\r\nReferences: <0@example.org>");
        assertEquals(Optional.of(Instant.parse("2025-01-01T12:00:00Z")), k.date());
        assertEquals("LUNCH", k.subject());
        assertEquals("CAROL", k.from());
        assertEquals(Optional.of("<1@example.org>"), k.messageId());
        assertTrue(k.replyOrForward());
    }

    @Test
    void keysAreCappedInLength() {
        SortKeys k = keys("Subject: " + "s".repeat(500_000) + "\r\nFrom: \"" + "n".repeat(100_000) + "\" <"
                + "l".repeat(100_000) + "@example.org>\r\nMessage-ID: <" + "i".repeat(100_000) + "@x>\r\nReferences: <"
                + "r".repeat(100_000) + "@x> <ok@x>");
        assertEquals(SortKeys.MAX_KEY, k.subject().length());
        assertTrue(k.from().length() <= SortKeys.MAX_KEY && k.displayFrom().length() <= SortKeys.MAX_KEY);
        assertEquals(Optional.empty(), k.messageId()); // longer than any real id: not one
        assertEquals(java.util.List.of("<ok@x>"), k.references());
    }

    @Test
    void nestedCommentsInDateAreLinear() {
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            SortKeys k = keys("Date: " + "(".repeat(300_000) + "\r\nSubject: hi");
            assertEquals(Optional.empty(), k.date());
            assertEquals("HI", k.subject());
        });
    }
}
