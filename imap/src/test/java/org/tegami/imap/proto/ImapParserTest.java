package org.tegami.imap.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tegami.imap.proto.FetchItem.BodySection;
import org.tegami.imap.proto.FetchItem.Partial;
import org.tegami.imap.proto.FetchItem.SectionText;
import org.tegami.imap.proto.ImapCommand.ReturnOptions;
import org.tegami.imap.proto.ImapCommand.StoreMode;

/** Table tests: command lines real clients send and the exact record each yields. */
class ImapParserTest {
    private static final ImapParser PARSER = new ImapParser(ImapLimits.DEFAULTS);

    static ImapRequest parse(String wire, int... splits) throws Exception {
        return PARSER.parse(new Wire(wire, splits).reader, true);
    }

    private static Arguments row(String wire, String tag, ImapCommand expected) {
        return Arguments.of(wire, new ImapRequest(tag, expected));
    }

    private static SequenceSet seq(long a, long b) {
        return SequenceSet.range(a, b);
    }

    private static BodySection peekSection(List<Integer> part, SectionText text) {
        return new BodySection(true, part, Optional.ofNullable(text), Optional.empty());
    }

    static Stream<Arguments> clientLines() {
        String grusse = "Grüße";
        int grusseLen = grusse.getBytes(StandardCharsets.UTF_8).length;
        Map<String, String> tbId = new LinkedHashMap<>();
        tbId.put("name", "Thunderbird");
        tbId.put("version", "115.3.1");
        Map<String, String> iosId = new LinkedHashMap<>();
        iosId.put("name", "iPhone Mail");
        iosId.put("os", "iOS");
        return Stream.of(
                // Thunderbird
                row("1 capability\r\n", "1", new ImapCommand.Capability()),
                row("2 authenticate PLAIN\r\n", "2", new ImapCommand.Authenticate("PLAIN", Optional.empty())),
                row("3 ID (\"name\" \"Thunderbird\" \"version\" \"115.3.1\")\r\n", "3", new ImapCommand.Id(Optional.of(tbId))),
                row("4 select \"INBOX\" (CONDSTORE)\r\n", "4", new ImapCommand.Select("INBOX", true, Optional.empty())),
                row("5 list (subscribed) \"\" \"*\" return (special-use)\r\n", "5",
                        new ImapCommand.ListCmd("", List.of("*"), Set.of("SUBSCRIBED"), new ReturnOptions(false, false, true, List.of(), false))),
                row("6 UID fetch 1:* (FLAGS) (CHANGEDSINCE 12345)\r\n", "6",
                        new ImapCommand.Fetch(true, seq(1, SequenceSet.STAR), List.of(new FetchItem.Flags()), Optional.of(12345L), false)),
                row("7 UID fetch 1234 (UID RFC822.SIZE FLAGS BODY.PEEK[])\r\n", "7",
                        new ImapCommand.Fetch(true, SequenceSet.single(1234), List.of(new FetchItem.Uid(), new FetchItem.Rfc822Size(),
                                new FetchItem.Flags(), peekSection(List.of(), null)), Optional.empty(), false)),
                row("8 UID fetch 5 (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Bcc Subject Date Message-ID Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To)])\r\n", "8",
                        new ImapCommand.Fetch(true, SequenceSet.single(5), List.of(new FetchItem.Uid(), new FetchItem.Rfc822Size(), new FetchItem.Flags(),
                                peekSection(List.of(), new SectionText.HeaderFields(List.of("From", "To", "Cc", "Bcc", "Subject", "Date", "Message-ID",
                                        "Priority", "X-Priority", "References", "Newsgroups", "In-Reply-To", "Content-Type", "Reply-To")))),
                                Optional.empty(), false)),
                row("9 uid store 42 +FLAGS (\\Seen)\r\n", "9",
                        new ImapCommand.Store(true, SequenceSet.single(42), StoreMode.ADD, false, List.of("\\Seen"), Optional.empty())),
                row("10 IDLE\r\n", "10", new ImapCommand.Idle()),
                row("11 lsub \"\" \"*\"\r\n", "11", new ImapCommand.Lsub("", "*")),
                row("12 UID fetch 1:* (FLAGS) (CHANGEDSINCE 100 VANISHED)\r\n", "12",
                        new ImapCommand.Fetch(true, seq(1, SequenceSet.STAR), List.of(new FetchItem.Flags()), Optional.of(100L), true)),
                // Apple Mail / iOS
                row("1.1 ID (\"name\" \"iPhone Mail\" \"os\" \"iOS\" \"os-version\" NIL)\r\n", "1.1", new ImapCommand.Id(Optional.of(iosId))),
                row("6.1 SELECT INBOX (QRESYNC (67890007 90060115194045000 41:211,214:541))\r\n", "6.1",
                        new ImapCommand.Select("INBOX", false, Optional.of(new ImapCommand.Qresync(67890007L, 90060115194045000L,
                                Optional.of(SequenceSet.of(new SequenceSet.Range(41, 211), new SequenceSet.Range(214, 541))),
                                Optional.empty(), Optional.empty())))),
                row("7.2 STATUS \"INBOX\" (MESSAGES UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)\r\n", "7.2",
                        new ImapCommand.Status("INBOX", List.of("MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "HIGHESTMODSEQ"))),
                row("8 ENABLE QRESYNC condstore\r\n", "8", new ImapCommand.Enable(List.of("QRESYNC", "CONDSTORE"))),
                row("9 UID SEARCH 1:* NOT DELETED\r\n", "9", new ImapCommand.Search(true, Optional.empty(),
                        new SearchKey.And(List.of(new SearchKey.SeqSet(seq(1, SequenceSet.STAR)), new SearchKey.Not(new SearchKey.Deleted()))), List.of())),
                row("10 UID FETCH 50 (BODY.PEEK[1]<0.10240>)\r\n", "10", new ImapCommand.Fetch(true, SequenceSet.single(50),
                        List.of(new BodySection(true, List.of(1), Optional.empty(), Optional.of(new Partial(0, 10240)))), Optional.empty(), false)),
                row("11 UID MOVE 5,7 \"Archive\"\r\n", "11", new ImapCommand.Move(true,
                        SequenceSet.of(new SequenceSet.Range(5, 5), new SequenceSet.Range(7, 7)), "Archive")),
                row("12 CREATE \"Archive\" (USE (\\archive))\r\n", "12", new ImapCommand.Create("Archive", List.of("\\Archive"))),
                row("13 SEARCH RETURN (MIN MAX COUNT) UNSEEN\r\n", "13",
                        new ImapCommand.Search(false, Optional.empty(), new SearchKey.Unseen(), List.of("MIN", "MAX", "COUNT"))),
                row("14 UID SEARCH RETURN () FLAGGED\r\n", "14",
                        new ImapCommand.Search(true, Optional.empty(), new SearchKey.Flagged(), List.of("ALL"))),
                row("15 UID FETCH $ (FLAGS)\r\n", "15",
                        new ImapCommand.Fetch(true, SequenceSet.SAVED, List.of(new FetchItem.Flags()), Optional.empty(), false)),
                row("16 APPEND \"Sent Messages\" (\\Seen $NotJunk) \" 5-Mar-2024 09:07:01 -0800\" {310}\r\n", "16",
                        new ImapCommand.Append("Sent Messages", List.of("\\Seen", "$NotJunk"),
                                Optional.of(OffsetDateTime.of(2024, 3, 5, 9, 7, 1, 0, ZoneOffset.ofHours(-8))), 310, false, false)),
                // mutt
                row("a0001 LOGIN \"user\" \"pass \\\"word\\\\\"\r\n", "a0001", new ImapCommand.Login("user", "pass \"word\\")),
                row("a0002 LIST \"\" \"\"\r\n", "a0002", new ImapCommand.ListCmd("", List.of(""), Set.of(), ReturnOptions.NONE)),
                row("a0003 FETCH 1:3 (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (DATE FROM)])\r\n", "a0003",
                        new ImapCommand.Fetch(false, seq(1, 3), List.of(new FetchItem.Uid(), new FetchItem.Flags(), new FetchItem.InternalDate(),
                                new FetchItem.Rfc822Size(), peekSection(List.of(), new SectionText.HeaderFields(List.of("DATE", "FROM")))),
                                Optional.empty(), false)),
                row("a0004 UID STORE 5 +FLAGS.SILENT (\\Deleted)\r\n", "a0004",
                        new ImapCommand.Store(true, SequenceSet.single(5), StoreMode.ADD, true, List.of("\\Deleted"), Optional.empty())),
                row("a0005 UID EXPUNGE 5\r\n", "a0005", new ImapCommand.UidExpunge(SequenceSet.single(5))),
                row("a0006 UID COPY 1:3 \"Trash\"\r\n", "a0006", new ImapCommand.Copy(true, seq(1, 3), "Trash")),
                row("a0007 CHECK\r\n", "a0007", new ImapCommand.Check()),
                row("a0008 STORE 2 FLAGS \\Seen \\flagged\r\n", "a0008",
                        new ImapCommand.Store(false, SequenceSet.single(2), StoreMode.REPLACE, false, List.of("\\Seen", "\\Flagged"), Optional.empty())),
                // Outlook: literal password, empty ID list, lower-case inbox
                row("A01 LOGIN user@example.com {8}\r\nse cr\"et\r\n", "A01", new ImapCommand.Login("user@example.com", "se cr\"et")),
                row("A02 ID ()\r\n", "A02", new ImapCommand.Id(Optional.of(Map.of()))),
                row("A03 ID NIL\r\n", "A03", new ImapCommand.Id(Optional.empty())),
                row("A04 examine inbox\r\n", "A04", new ImapCommand.Examine("INBOX", false, Optional.empty())),
                row("A05 fetch 1 body.peek[header]\r\n", "A05", new ImapCommand.Fetch(false, SequenceSet.single(1),
                        List.of(peekSection(List.of(), new SectionText.Header())), Optional.empty(), false)),
                // mbsync
                row("2 AUTHENTICATE PLAIN AHVzZXIAcGFzcw==\r\n", "2", new ImapCommand.Authenticate("PLAIN", Optional.of("AHVzZXIAcGFzcw=="))),
                row("3 UID FETCH 1:1000000000 (UID FLAGS)\r\n", "3",
                        new ImapCommand.Fetch(true, seq(1, 1000000000L), List.of(new FetchItem.Uid(), new FetchItem.Flags()), Optional.empty(), false)),
                row("4 APPEND INBOX (\\Seen) \"21-Jun-2024 10:11:12 +0200\" {123+}\r\n", "4",
                        new ImapCommand.Append("INBOX", List.of("\\Seen"),
                                Optional.of(OffsetDateTime.of(2024, 6, 21, 10, 11, 12, 0, ZoneOffset.ofHours(2))), 123, true, false)),
                row("5 CLOSE\r\n", "5", new ImapCommand.Close()),
                row("6 LOGOUT\r\n", "6", new ImapCommand.Logout()),
                // assorted syntax
                row("b1 SEARCH CHARSET UTF-8 SUBJECT {" + grusseLen + "+}\r\n" + grusse + " SINCE 1-Feb-2024\r\n", "b1",
                        new ImapCommand.Search(false, Optional.of("UTF-8"), new SearchKey.And(List.of(
                                new SearchKey.Header("Subject", grusse), new SearchKey.Since(LocalDate.of(2024, 2, 1)))), List.of())),
                row("b2 SEARCH OR (FROM \"alice\") (TO alice) NOT (HEADER X-Spam \"\" LARGER 100) UID 2:4 MODSEQ 7 ON \"09-Oct-2023\"\r\n", "b2",
                        new ImapCommand.Search(false, Optional.empty(), new SearchKey.And(List.of(
                                new SearchKey.Or(new SearchKey.Header("From", "alice"), new SearchKey.Header("To", "alice")),
                                new SearchKey.Not(new SearchKey.And(List.of(new SearchKey.Header("X-Spam", ""), new SearchKey.Larger(100)))),
                                new SearchKey.UidSet(seq(2, 4)), new SearchKey.ModSeq(7), new SearchKey.On(LocalDate.of(2023, 10, 9)))), List.of())),
                row("b3 FETCH 1 (BINARY.PEEK[1.2]<0.100> BINARY.SIZE[1] BODY[1.MIME] BODY[2.HEADER.FIELDS.NOT (Received)] BODY[TEXT] BODYSTRUCTURE BODY ENVELOPE MODSEQ RFC822 RFC822.HEADER RFC822.TEXT)\r\n", "b3",
                        new ImapCommand.Fetch(false, SequenceSet.single(1), List.of(
                                new FetchItem.Binary(true, List.of(1, 2), Optional.of(new Partial(0, 100))),
                                new FetchItem.BinarySize(List.of(1)),
                                new BodySection(false, List.of(1), Optional.of(new SectionText.Mime()), Optional.empty()),
                                new BodySection(false, List.of(2), Optional.of(new SectionText.HeaderFieldsNot(List.of("Received"))), Optional.empty()),
                                new BodySection(false, List.of(), Optional.of(new SectionText.Text()), Optional.empty()),
                                new FetchItem.BodyStructure(), new FetchItem.Body(), new FetchItem.Envelope(), new FetchItem.ModSeq(),
                                new FetchItem.Rfc822(), new FetchItem.Rfc822Header(), new FetchItem.Rfc822Text()), Optional.empty(), false)),
                row("b4 FETCH 1:* FAST\r\n", "b4", new ImapCommand.Fetch(false, seq(1, SequenceSet.STAR), FetchItem.FAST, Optional.empty(), false)),
                row("b5 FETCH 2 full\r\n", "b5", new ImapCommand.Fetch(false, SequenceSet.single(2), FetchItem.FULL, Optional.empty(), false)),
                row("b6 FETCH 2 ALL\r\n", "b6", new ImapCommand.Fetch(false, SequenceSet.single(2), FetchItem.ALL, Optional.empty(), false)),
                row("b7 RENAME \"Entw&APw-rfe\" Drafts\r\n", "b7", new ImapCommand.Rename("Entw&APw-rfe", "Drafts")),
                row("b8 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (\"INBOX\" %/%) RETURN (CHILDREN STATUS (MESSAGES UNSEEN))\r\n", "b8",
                        new ImapCommand.ListCmd("", List.of("INBOX", "%/%"), Set.of("SUBSCRIBED", "RECURSIVEMATCH"),
                                new ReturnOptions(false, true, false, List.of("MESSAGES", "UNSEEN"), false))),
                row("b9 STORE 1:2 (UNCHANGEDSINCE 320162338) -FLAGS ($Junk)\r\n", "b9",
                        new ImapCommand.Store(false, seq(1, 2), StoreMode.REMOVE, false, List.of("$Junk"), Optional.of(320162338L))),
                row("b10 DELETE {4}\r\nFoo]\r\n", "b10", new ImapCommand.Delete("Foo]")),
                row("b11 SUBSCRIBE Foo]\r\n", "b11", new ImapCommand.Subscribe("Foo]")),
                row("b12 UNSUBSCRIBE \"Foo\"\r\n", "b12", new ImapCommand.Unsubscribe("Foo")),
                row("b13 NAMESPACE\r\n", "b13", new ImapCommand.Namespace()),
                row("b14 STARTTLS\r\n", "b14", new ImapCommand.StartTls()),
                row("b15 UNSELECT\r\n", "b15", new ImapCommand.Unselect()),
                row("b16 EXPUNGE\r\n", "b16", new ImapCommand.Expunge()),
                row("b17 NOOP\r\n", "b17", new ImapCommand.Noop()),
                row("b18 COPY 3:1 ~/Mail\r\n", "b18", new ImapCommand.Copy(false, seq(3, 1), "~/Mail")),
                row("b19 APPEND Drafts ~{5}\r\n", "b19", new ImapCommand.Append("Drafts", List.of(), Optional.empty(), 5, false, true)),
                row("b21 SETACL \"Other Users/bob@example.test/Work\" anyone +lr\r\n", "b21",
                        new ImapCommand.SetAcl("Other Users/bob@example.test/Work", "anyone", "+lr")),
                row("b22 deleteacl Work {16}\r\nbob@example.test\r\n", "b22", new ImapCommand.DeleteAcl("Work", "bob@example.test")),
                row("b23 GETACL Work\r\n", "b23", new ImapCommand.GetAcl("Work")),
                row("b24 LISTRIGHTS Work anyone\r\n", "b24", new ImapCommand.ListRights("Work", "anyone")),
                row("b25 MYRIGHTS inbox\r\n", "b25", new ImapCommand.MyRights("INBOX")),
                row("b26 LIST \"\" % RETURN (MYRIGHTS)\r\n", "b26", new ImapCommand.ListCmd("", List.of("%"), Set.of(),
                        new ReturnOptions(false, false, false, List.of(), true))),
                row("b20 SELECT Sent (QRESYNC (1 2 (1:3 5:7)))\r\n", "b20",
                        new ImapCommand.Select("Sent", false, Optional.of(new ImapCommand.Qresync(1, 2, Optional.empty(),
                                Optional.of(seq(1, 3)), Optional.of(seq(5, 7)))))),
                // RFC 5267 §4: UPDATE and CONTEXT ask for no data, so ALL is implied; PARTIAL on SORT; CANCELUPDATE
                row("c1 UID SEARCH RETURN (UPDATE) UNSEEN\r\n", "c1",
                        new ImapCommand.Search(true, Optional.empty(), new SearchKey.Unseen(), List.of("UPDATE", "ALL"))),
                row("c2 SEARCH RETURN (COUNT CONTEXT UPDATE) FLAGGED\r\n", "c2",
                        new ImapCommand.Search(false, Optional.empty(), new SearchKey.Flagged(), List.of("COUNT", "CONTEXT", "UPDATE"))),
                row("c3 UID SORT RETURN (UPDATE PARTIAL 1:10) (DATE) UTF-8 ALL\r\n", "c3",
                        new ImapCommand.Sort(true, List.of(new ImapCommand.SortCriterion(false, "DATE")), "UTF-8", new SearchKey.All(),
                                List.of("UPDATE", "PARTIAL"), Optional.of(new ImapCommand.PartialRange(1, 10)))),
                row("c4 CANCELUPDATE \"c1\" \"c3\"\r\n", "c4", new ImapCommand.CancelUpdate(List.of("c1", "c3"))));
    }

    @ParameterizedTest
    @MethodSource("clientLines")
    void parsesClientLines(String wire, ImapRequest expected) throws Exception {
        assertEquals(expected, parse(wire));
    }

    @ParameterizedTest
    @MethodSource("clientLines")
    void parsesClientLinesSplitAtEveryByte(String wire, ImapRequest expected) throws Exception {
        int len = wire.getBytes(StandardCharsets.UTF_8).length;
        for (int k = 0; k <= len; k++) {
            assertEquals(expected, parse(wire, k), "split at " + k);
        }
        assertEquals(expected, parse(wire, IntStream.rangeClosed(1, len).toArray()), "one byte per read");
    }

    @Test
    void sendsOneContinuationPerSynchronizingLiteral() throws Exception {
        Wire w = new Wire("a LOGIN {3}\r\nbob {4+}\r\npass\r\n");
        assertEquals(new ImapRequest("a", new ImapCommand.Login("bob", "pass")), PARSER.parse(w.reader, false));
        assertEquals(1, w.continuations);
    }

    @Test
    void appendLeavesTheMessageToTheServerAndReadsMultiappendTail() throws Exception {
        Wire w = new Wire("A003 APPEND saved (\\Seen) {5}\r\nhello {2+}\r\nhi\r\nA004 NOOP\r\n");
        ImapRequest r = PARSER.parse(w.reader, true);
        assertEquals(new ImapCommand.Append("saved", List.of("\\Seen"), Optional.empty(), 5, false, false), r.command());
        assertEquals(0, w.continuations);
        assertEquals("hello", new String(w.reader.openLiteral(5, false).readAllBytes(), StandardCharsets.US_ASCII));
        assertEquals(1, w.continuations);
        ImapCommand.Append next = PARSER.appendEnd(w.reader, "A003", "saved", true).orElseThrow();
        assertEquals(new ImapCommand.Append("saved", List.of(), Optional.empty(), 2, true, false), next);
        assertEquals("hi", new String(w.reader.openLiteral(2, true).readAllBytes(), StandardCharsets.US_ASCII));
        assertEquals(Optional.empty(), PARSER.appendEnd(w.reader, "A003", "saved", true));
        assertEquals(new ImapRequest("A004", new ImapCommand.Noop()), PARSER.parse(w.reader, true));
        assertEquals(1, w.continuations);
    }

    @Test
    void upperCasesKeywordsWithTheRootLocaleUnderTurkish() throws Exception {
        Locale saved = Locale.getDefault();
        Locale.setDefault(Locale.forLanguageTag("tr-TR"));
        try {
            assertEquals(new ImapRequest("a", new ImapCommand.Fetch(false, SequenceSet.single(1),
                    List.of(new FetchItem.Flags(), new FetchItem.Uid()), Optional.empty(), false)), parse("a fetch 1 (flags uid)\r\n"));
            assertEquals(new ImapRequest("b", new ImapCommand.Select("INBOX", false, Optional.empty())), parse("b select inbox\r\n"));
            assertEquals(new ImapRequest("c", new ImapCommand.Store(false, SequenceSet.single(1), StoreMode.ADD, true,
                    List.of("\\Seen"), Optional.empty())), parse("c store 1 +flags.silent (\\seen)\r\n"));
        } finally {
            Locale.setDefault(saved);
        }
    }
}
