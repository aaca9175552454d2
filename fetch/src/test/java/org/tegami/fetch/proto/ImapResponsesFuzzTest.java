package org.tegami.fetch.proto;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz targets for the fetcher's parsers of a remote server's responses (docs/fuzzing.md). Contract: any line either
 * parses or fails with {@link FetchProtocolException}; numbers are never negative, a FETCH carries at most 64 items,
 * a UIDVALIDITY is a non-zero 32-bit number, a UIDL is 1–70 printable characters.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ImapResponsesFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void imap(byte[] input) {
        String line;
        try {
            line = ImapResponses.text(input, input.length);
        } catch (FetchProtocolException e) {
            return;
        }
        try {
            assertTrue(ImapResponses.literalAtEnd(line) >= -1);
        } catch (FetchProtocolException ignored) {
            // refused
        }
        ImapResponses.Line l;
        try {
            l = ImapResponses.line(line);
        } catch (FetchProtocolException e) {
            return;
        }
        String rest = l.rest();
        try {
            ImapResponses.status(rest);
        } catch (FetchProtocolException ignored) {
            // refused
        }
        try {
            ImapResponses.uidValidity(rest).ifPresent(v -> assertTrue(v >= 1 && v <= 0xFFFF_FFFFL));
        } catch (FetchProtocolException ignored) {
            // refused
        }
        ImapResponses.capabilities(rest).ifPresent(c -> assertTrue(c.size() <= 256));
        try {
            ImapResponses.fetch(rest).ifPresent(items -> {
                assertTrue(items.size() <= 64);
                for (Map.Entry<String, String> e : items.entrySet()) {
                    assertTrue(!e.getValue().isEmpty() && e.getValue().length() <= rest.length());
                }
            });
        } catch (FetchProtocolException ignored) {
            // refused
        }
    }

    @FuzzTest(maxDuration = "5m")
    void pop3(byte[] input) {
        String line;
        try {
            line = ImapResponses.text(input, input.length);
        } catch (FetchProtocolException e) {
            return;
        }
        try {
            Pop3Replies.ok(line);
        } catch (FetchProtocolException ignored) {
            // refused
        }
        Pop3Replies.code(line);
        try {
            Pop3Replies.Entry e = Pop3Replies.uidl(line);
            assertTrue(e.number() >= 1 && !e.value().isEmpty() && e.value().length() <= Pop3Replies.MAX_UIDL);
            assertTrue(e.value().chars().allMatch(c -> c >= 0x21 && c <= 0x7E));
        } catch (FetchProtocolException ignored) {
            // refused
        }
        try {
            Pop3Replies.Entry e = Pop3Replies.list(line);
            assertTrue(ImapResponses.number(e.value()) >= 0);
        } catch (FetchProtocolException ignored) {
            // refused
        }
    }
}
