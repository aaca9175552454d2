package org.tegami.fetch.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The fetcher's response parsers, by table: what servers send, and what a hostile one might. */
class ImapResponsesTest {

    @Test
    void fetchResponsesGiveTheirAtomItems() throws Exception {
        assertEquals(Optional.of(Map.of("UID", "34", "RFC822.SIZE", "5678")),
                ImapResponses.fetch("12 FETCH (UID 34 RFC822.SIZE 5678)"));
        assertEquals(Optional.of(Map.of("UID", "9", "BODY[]", "{120}")),
                ImapResponses.fetch("1 FETCH (FLAGS (\\Seen $Junk) BODY[] {120}"
                        .replace("{120}", "{120} UID 9)")).map(m -> Map.of("UID", m.get("UID"), "BODY[]", m.get("BODY[]"))));
        assertEquals(Optional.of(Map.of("UID", "9")),
                ImapResponses.fetch("1 fetch (BODY[HEADER.FIELDS (FROM TO)] \"a \\\" b\" uid 9)"), "sections, quoted, any case");
        assertEquals(Optional.empty(), ImapResponses.fetch("3 EXISTS"));
        for (String bad : new String[] {"x FETCH (UID 1)", "1 FETCH UID 1", "1 FETCH (UID 1", "1 FETCH (UID)",
                "1 FETCH (UID 1) trailing", "1 FETCH (FLAGS (\\Seen UID 1)", "1 FETCH (X \"unterminated)",
                "99999999999999999999 FETCH (UID 1)"}) {
            assertThrows(FetchProtocolException.class, () -> ImapResponses.fetch(bad), bad);
        }
        StringBuilder many = new StringBuilder("1 FETCH (");
        for (int i = 0; i < 65; i++) many.append("X").append(i).append(" 1 ");
        assertThrows(FetchProtocolException.class, () -> ImapResponses.fetch(many.append(")").toString()), "at most 64 items");
    }

    @Test
    void statusLinesAndCodes() throws Exception {
        assertEquals(new ImapResponses.Line(ImapResponses.Kind.TAGGED, "f3", "NO [AUTHENTICATIONFAILED] Invalid"),
                ImapResponses.line("f3 NO [AUTHENTICATIONFAILED] Invalid"));
        assertEquals(ImapResponses.Kind.CONTINUATION, ImapResponses.line("+ go ahead").kind());
        assertEquals(new ImapResponses.Status("NO", Optional.of("AUTHENTICATIONFAILED"), "Invalid"),
                ImapResponses.status("NO [AUTHENTICATIONFAILED] Invalid"));
        assertEquals(Optional.of(3857529045L), ImapResponses.uidValidity("OK [UIDVALIDITY 3857529045] UIDs valid"));
        assertEquals(Optional.empty(), ImapResponses.uidValidity("OK [UIDNEXT 4] next"));
        assertThrows(FetchProtocolException.class, () -> ImapResponses.uidValidity("OK [UIDVALIDITY 0] zero"));
        assertThrows(FetchProtocolException.class, () -> ImapResponses.uidValidity("OK [UIDVALIDITY 4294967296] 33 bits"));
        assertThrows(FetchProtocolException.class, () -> ImapResponses.status("MAYBE so"));
        assertThrows(FetchProtocolException.class, () -> ImapResponses.status("OK [UNCLOSED"));
        assertThrows(FetchProtocolException.class, () -> ImapResponses.line("noSpace"));
        assertEquals(Optional.of(Set.of("IMAP4REV2", "UIDPLUS")), ImapResponses.capabilities("CAPABILITY IMAP4rev2 UIDPLUS"));
    }

    @Test
    void literalsAtTheEndOfALine() throws Exception {
        assertEquals(120, ImapResponses.literalAtEnd("* 1 FETCH (BODY[] {120}"));
        assertEquals(-1, ImapResponses.literalAtEnd("* OK done {not a literal}"));
        assertEquals(-1, ImapResponses.literalAtEnd("* OK {}"));
        assertThrows(FetchProtocolException.class, () -> ImapResponses.literalAtEnd("* 1 FETCH (BODY[] {9999999999999999999}"));
    }

    @Test
    void controlCharactersInALineAreRefused() {
        byte[] nul = "* OK a\0b".getBytes(StandardCharsets.ISO_8859_1);
        assertThrows(FetchProtocolException.class, () -> ImapResponses.text(nul, nul.length));
        byte[] cr = "* OK a\rb".getBytes(StandardCharsets.ISO_8859_1);
        assertThrows(FetchProtocolException.class, () -> ImapResponses.text(cr, cr.length));
    }

    @Test
    void quotingForLogin() {
        assertEquals(Optional.of("\"p\\\"a\\\\ss\""), ImapResponses.quoted("p\"a\\ss"));
        assertEquals(Optional.empty(), ImapResponses.quoted("pässword"), "non-ASCII goes as a literal");
        assertEquals(Optional.empty(), ImapResponses.quoted("a\r\nb"));
        assertFalse(ImapResponses.shorten("x".repeat(500) + "\r\n").contains("\r"));
        assertTrue(ImapResponses.shorten("x".repeat(500)).length() <= 83);
    }

    @Test
    void pop3Replies() throws Exception {
        assertTrue(Pop3Replies.ok("+OK 2 messages"));
        assertTrue(Pop3Replies.ok("+OK"));
        assertFalse(Pop3Replies.ok("-ERR [AUTH] bad password"));
        assertEquals(Optional.of("AUTH"), Pop3Replies.code("-ERR [AUTH] bad password"));
        assertEquals(Optional.of("SYS/TEMP"), Pop3Replies.code("-ERR [SYS/TEMP] try later"));
        assertThrows(FetchProtocolException.class, () -> Pop3Replies.ok("+ok lower case"));
        assertThrows(FetchProtocolException.class, () -> Pop3Replies.ok("hello"));
        assertEquals(new Pop3Replies.Entry(1, "whqtswO00WBw418f9t5JxYwZ"), Pop3Replies.uidl("1 whqtswO00WBw418f9t5JxYwZ"));
        assertEquals(new Pop3Replies.Entry(2, "120"), Pop3Replies.list("2 120"));
        for (String bad : new String[] {"0 abc", "x abc", "1", "1 " + "u".repeat(71), "1 a\u00e9", "-1 5", "1 "}) {
            assertThrows(FetchProtocolException.class, () -> Pop3Replies.uidl(bad), bad);
        }
        assertThrows(FetchProtocolException.class, () -> Pop3Replies.list("1 12x"));
    }
}
