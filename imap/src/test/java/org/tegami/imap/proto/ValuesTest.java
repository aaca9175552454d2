package org.tegami.imap.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.PrimitiveIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Sequence sets, modified UTF-7 mailbox names and the response encoders. */
class ValuesTest {

    private static SequenceSet parseSet(String text) throws Exception {
        ImapRequest r = ImapParserTest.parse("t UID EXPUNGE " + text + "\r\n");
        return ((ImapCommand.UidExpunge) r.command()).set();
    }

    private static List<Long> all(SequenceSet s, long max) {
        List<Long> out = new ArrayList<>();
        PrimitiveIterator.OfLong it = s.iterator(max);
        while (it.hasNext()) out.add(it.nextLong());
        return out;
    }

    @Test
    void sequenceSetMembershipResolvesStarAndReversedRanges() throws Exception {
        SequenceSet s = parseSet("2:4,9:*,7");
        assertEquals("2:4,9:*,7", s.toString());
        assertTrue(s.contains(3, 20));
        assertFalse(s.contains(5, 20));
        assertTrue(s.contains(7, 20));
        assertTrue(s.contains(20, 20));
        assertFalse(s.contains(21, 20));
        // RFC 9051 §9: 9:* with max 6 is 6:9
        assertTrue(s.contains(6, 6));
        assertEquals(20, s.highest(20));
        SequenceSet reversed = parseSet("5:2");
        assertTrue(reversed.contains(2, 10));
        assertEquals("5:2", reversed.toString());
    }

    @Test
    void sequenceSetIteratesEachNumberOnceInOrder() throws Exception {
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 7L), all(parseSet("4:2,1,3:5,7"), 10));
        assertEquals(List.of(8L, 9L, 10L), all(parseSet("8:*"), 10));
        assertEquals(List.of(3L), all(parseSet("100:*"), 3));
        assertEquals(List.of(), all(parseSet("1:*"), 0));
        assertEquals(List.of(2L), all(parseSet("2,50"), 10));
        PrimitiveIterator.OfLong big = parseSet("1:*").iterator(SequenceSet.MAX_NUMBER);
        assertEquals(1L, big.nextLong());
        assertEquals(2L, big.nextLong());
    }

    @Test
    void savedResultMustBeSubstitutedFirst() throws Exception {
        SequenceSet s = parseSet("$");
        assertEquals(SequenceSet.SAVED, s);
        assertEquals("$", s.toString());
        assertThrows(IllegalStateException.class, () -> s.contains(1, 1));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "&Jjo-!|☺!",
            "Entw&APw-rfe|Entwürfe",
            "~peter/mail/&U,BTFw-/&ZeVnLIqe-|~peter/mail/台北/日本語",
            "A&-B|A&B",
            "INBOX|INBOX",
            "&2D3eAA-|\uD83D\uDE00",
    })
    void modifiedUtf7RoundTrips(String encoded, String decoded) {
        assertEquals(decoded, MailboxName.decodeModifiedUtf7(encoded));
        assertEquals(encoded, MailboxName.encodeModifiedUtf7(decoded));
    }

    @ParameterizedTest
    @ValueSource(strings = {"&Jjo", "&Jj!-", "&AGE-", "&2D0-", "Entwürfe", "&Jjp-", "a\tb"})
    void rejectsMalformedModifiedUtf7(String encoded) {
        assertThrows(IllegalArgumentException.class, () -> MailboxName.decodeModifiedUtf7(encoded));
    }

    @Test
    void normalisesOnlyInboxItself() {
        assertEquals("INBOX", MailboxName.normalize("inBoX"));
        assertEquals("inbox/Sub", MailboxName.normalize("inbox/Sub"));
        assertEquals("Inboxes", MailboxName.normalize("Inboxes"));
    }

    @Test
    void writerPicksAtomQuotedOrLiteral() {
        assertEquals("INBOX", ImapWriter.astring("INBOX", false));
        assertEquals("\"\"", ImapWriter.astring("", false));
        assertEquals("\"NIL\"", ImapWriter.astring("NIL", false));
        assertEquals("\"a b\\\"c\\\\\"", ImapWriter.astring("a b\"c\\", false));
        assertEquals("{5}\r\nline\n", ImapWriter.astring("line\n", true));
        assertEquals("{3}\r\nü\u0021", ImapWriter.string("ü!", false));
        assertEquals("\"ü!\"", ImapWriter.string("ü!", true));
        assertEquals("NIL", ImapWriter.nstring(Optional.empty(), true));
        assertEquals("\"x\"", ImapWriter.nstring(Optional.of("x"), true));
        assertEquals("Entw&APw-rfe", ImapWriter.mailbox("Entwürfe", false));
        assertEquals("\"Entwürfe\"", ImapWriter.mailbox("Entwürfe", true));
        assertEquals("\"Sent Items\"", ImapWriter.mailbox("Sent Items", false));
        assertThrows(IllegalArgumentException.class, () -> ImapWriter.quoted("a\r\nb"));
    }

    @Test
    void responsesEncodeTaggedUntaggedAndCodes() {
        assertEquals("a1 OK [READ-WRITE] SELECT completed\r\n",
                ImapResponse.tagged("a1", ImapResponse.Status.OK, ResponseCode.Atom.READ_WRITE, "SELECT completed").encode());
        assertEquals("* OK [UIDVALIDITY 3857529045] UIDs valid\r\n",
                ImapResponse.untagged(ImapResponse.Status.OK, new ResponseCode.UidValidity(3857529045L), "UIDs valid").encode());
        assertEquals("* BYE Logging out\r\n", ImapResponse.untagged(ImapResponse.Status.BYE, "Logging out").encode());
        assertEquals("x BAD Unknown command\r\n",
                ImapResponse.of(new ImapSyntaxException("x", "Unknown command", false)).encode());
        assertThrows(IllegalArgumentException.class,
                () -> ImapResponse.tagged("a", ImapResponse.Status.NO, "bad\r\n* OK injected"));
        assertThrows(IllegalArgumentException.class, () -> ImapResponse.tagged("a b", ImapResponse.Status.OK, "x"));
    }
}
