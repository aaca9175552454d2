package org.tegami.imap.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Golden tests of the response encoder: each response type, byte for byte, in the dialects that change it. */
class ResponseEncoderTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final ResponseEncoder out = new ResponseEncoder(() -> bytes, new Object());

    private String written() {
        String s = bytes.toString(StandardCharsets.UTF_8);
        bytes.reset();
        return s;
    }

    @Test
    void statusResponsesWithAndWithoutCodes() throws IOException {
        out.ok("a1", ResponseCode.Atom.READ_WRITE, "SELECT completed");
        assertEquals("a1 OK [READ-WRITE] SELECT completed\r\n", written());
        out.no("a2", ResponseCode.Atom.UNKNOWN_CTE, "Cannot decode");
        assertEquals("a2 NO [UNKNOWN-CTE] Cannot decode\r\n", written());
        out.bad("a3", "Unknown command");
        assertEquals("a3 BAD Unknown command\r\n", written());
        out.untagged(ImapResponse.Status.OK, new ResponseCode.UidValidity(3857529045L), "UIDs valid");
        assertEquals("* OK [UIDVALIDITY 3857529045] UIDs valid\r\n", written());
        out.bye(ResponseCode.Atom.UNAVAILABLE, "Busy");
        assertEquals("* BYE [UNAVAILABLE] Busy\r\n", written());
        out.ok("a4", new ResponseCode.CopyUid(38505, "304,319:320", "3956:3958"), "Done");
        assertEquals("a4 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n", written());
        out.ok("a5", new ResponseCode.AppendUid(38505, "3955"), "APPEND completed");
        assertEquals("a5 OK [APPENDUID 38505 3955] APPEND completed\r\n", written());
        out.untagged(ImapResponse.Status.OK, new ResponseCode.PermanentFlags(List.of("\\Seen", "\\*")), "Flags");
        assertEquals("* OK [PERMANENTFLAGS (\\Seen \\*)] Flags\r\n", written());
        out.untagged(ImapResponse.Status.OK, new ResponseCode.PermanentFlags(List.of()), "Read-only");
        assertEquals("* OK [PERMANENTFLAGS ()] Read-only\r\n", written());
        out.no("a6", new ResponseCode.BadCharset(List.of("UTF-8", "US-ASCII")), "Unsupported charset");
        assertEquals("a6 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset\r\n", written());
        out.untagged(ImapResponse.Status.NO, new ResponseCode.NoUpdate("s1"), "Too many");
        assertEquals("* NO [NOUPDATE \"s1\"] Too many\r\n", written());
        out.ok("a7", ResponseCode.Metadata.longEntries(2048), "GETMETADATA completed");
        assertEquals("a7 OK [METADATA LONGENTRIES 2048] GETMETADATA completed\r\n", written());
    }

    @Test
    void textCannotInjectAResponse() throws IOException {
        out.no("a1", "No such tag x\r\n* OK injected");
        assertEquals("a1 NO No such tag x  * OK injected\r\n", written());
        out.continuation("bad\nline");
        assertEquals("+ bad line\r\n", written());
    }

    @Test
    void continuationAlwaysHasItsSpace() throws IOException {
        out.continuation(""); // RFC 9051 §9: continue-req = "+" SP (resp-text / base64) CRLF
        assertEquals("+ \r\n", written());
        out.continuation("Ready for literal data");
        assertEquals("+ Ready for literal data\r\n", written());
    }

    @Test
    void inProgressCodes() throws IOException {
        out.untagged(ImapResponse.Status.OK, new ResponseCode.InProgress("a1", OptionalLong.of(5), OptionalLong.of(10)), "Still");
        assertEquals("* OK [INPROGRESS (\"a1\" 5 10)] Still\r\n", written());
        out.untagged(ImapResponse.Status.OK, new ResponseCode.InProgress("a]", OptionalLong.empty(), OptionalLong.empty()), "Still");
        assertEquals("* OK [INPROGRESS (NIL NIL NIL)] Still\r\n", written()); // RFC 9585 §4
    }

    @Test
    void mailboxNamesFollowTheDialect() throws IOException {
        out.list("LIST", List.of("\\HasNoChildren"), "Entwürfe", null);
        assertEquals("* LIST (\\HasNoChildren) \"/\" Entw&APw-rfe\r\n", written()); // RFC 3501 §5.1.3
        out.dialect(new Dialect(true, false, false, false, false));
        out.list("LIST", List.of("\\HasNoChildren"), "Entwürfe", null);
        assertEquals("* LIST (\\HasNoChildren) \"/\" \"Entwürfe\"\r\n", written()); // RFC 9051 §5.1
        out.list("LIST", List.of(), "a b", "\"CHILDINFO\" (\"SUBSCRIBED\")");
        assertEquals("* LIST () \"/\" \"a b\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n", written());
        out.listRoot();
        assertEquals("* LIST (\\Noselect) \"/\" \"\"\r\n", written());
    }

    @Test
    void statusEsearchSearchSort() throws IOException {
        out.status("INBOX", List.of(new ResponseEncoder.StatusItem.Number("MESSAGES", 3),
                new ResponseEncoder.StatusItem.MailboxId("F2212ea87")));
        assertEquals("* STATUS INBOX (MESSAGES 3 MAILBOXID (F2212ea87))\r\n", written());
        out.esearch(ResponseEncoder.tagCorrelator("a1"), true, List.of("MIN 2", "ALL 2:5"));
        assertEquals("* ESEARCH (TAG \"a1\") UID MIN 2 ALL 2:5\r\n", written());
        out.esearch(ResponseEncoder.tagCorrelator("a2"), false, List.of());
        assertEquals("* ESEARCH (TAG \"a2\")\r\n", written());
        out.esearch(out.mailboxCorrelator("a3", "Sent", 7), true, List.of("COUNT 0"));
        assertEquals("* ESEARCH (TAG \"a3\" MAILBOX Sent UIDVALIDITY 7) UID COUNT 0\r\n", written());
        out.search(List.of(2L, 4L), OptionalLong.of(917));
        assertEquals("* SEARCH 2 4 (MODSEQ 917)\r\n", written());
        out.search(List.of(), OptionalLong.empty());
        assertEquals("* SEARCH\r\n", written());
        out.sort(List.of(5L, 1L));
        assertEquals("* SORT 5 1\r\n", written());
    }

    @Test
    void messageDataAndFetchUnderUidOnly() throws IOException {
        out.exists(23);
        out.recent(1);
        out.expunge(4);
        out.vanished(true, "1:3");
        out.flags(List.of("\\Answered", "\\Seen", "$Junk"));
        assertEquals("* 23 EXISTS\r\n* 1 RECENT\r\n* 4 EXPUNGE\r\n* VANISHED (EARLIER) 1:3\r\n"
                + "* FLAGS (\\Answered \\Seen $Junk)\r\n", written());
        out.flagsFetch(3, 42, true, "(\\Seen)", OptionalLong.of(12));
        assertEquals("* 3 FETCH (UID 42 FLAGS (\\Seen) MODSEQ (12))\r\n", written());
        out.flagsFetch(3, 42, false, null, OptionalLong.of(12));
        assertEquals("* 3 FETCH (MODSEQ (12))\r\n", written());
        out.dialect(new Dialect(true, false, false, false, true)); // RFC 9586 §3.3
        out.flagsFetch(3, 42, true, "(\\Seen)", OptionalLong.empty());
        assertEquals("* 42 UIDFETCH (FLAGS (\\Seen))\r\n", written());
    }

    @Test
    void fetchResponsesWithLiteralsAndUidFetch() throws IOException {
        FetchResponse f = out.fetchResponse(2, 9)
                .item("UID", "9")
                .item("FLAGS", "(\\Seen)")
                .literal("BODY[HEADER.FIELDS (SUBJECT)]", "Subject: hi\r\n\r\n".getBytes(StandardCharsets.US_ASCII))
                .nil("BODY[3]")
                .literal("BINARY[1]", new byte[] {'a', 0, 'b'}, true)
                .literal("BINARY[2]", new byte[] {'a', 'b'}, true);
        out.send(f);
        assertEquals("* 2 FETCH (UID 9 FLAGS (\\Seen) BODY[HEADER.FIELDS (SUBJECT)] {15}\r\nSubject: hi\r\n\r\n"
                + " BODY[3] NIL BINARY[1] ~{3}\r\na\0b BINARY[2] {2}\r\nab)\r\n", written()); // RFC 3516 §4.2
        out.send(out.fetchResponse(2, 9)); // no items: nothing is sent
        assertEquals("", written());
        out.dialect(new Dialect(true, false, false, false, true)); // RFC 9586 §3.3
        out.send(out.fetchResponse(2, 9).item("MODSEQ", "(4)"));
        assertEquals("* 9 UIDFETCH (MODSEQ (4))\r\n", written());
    }

    @Test
    void enabledAndCapability() throws IOException {
        out.enabled(List.of());
        out.enabled(List.of("CONDSTORE", "UTF8=ACCEPT"));
        out.capability("IMAP4rev1 IMAP4rev2");
        assertEquals("* ENABLED\r\n* ENABLED CONDSTORE UTF8=ACCEPT\r\n* CAPABILITY IMAP4rev1 IMAP4rev2\r\n", written());
    }
}
