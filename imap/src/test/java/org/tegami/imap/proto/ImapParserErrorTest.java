package org.tegami.imap.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Error table: each malformed command and the exact BAD line, whether the connection must close, and limits. */
class ImapParserErrorTest {

    private static ImapSyntaxException fail(ImapLimits limits, boolean authenticated, Wire wire) {
        return assertThrows(ImapSyntaxException.class, () -> new ImapParser(limits).parse(wire.reader, authenticated));
    }

    private static ImapSyntaxException fail(String wire) {
        return fail(ImapLimits.DEFAULTS, true, new Wire(wire));
    }

    static Stream<Arguments> errors() {
        return Stream.of(
                Arguments.of("\r\n", "* BAD Missing or invalid tag"),
                Arguments.of("+a NOOP\r\n", "* BAD Missing or invalid tag"),
                Arguments.of("a\r\n", "a BAD Expected SP"),
                Arguments.of("a FOO\r\n", "a BAD Unknown command"),
                Arguments.of("a UID FOO 1\r\n", "a BAD Unknown UID command"),
                Arguments.of("a NOOP x\r\n", "a BAD Unexpected characters at end of command"),
                Arguments.of("a SELECT\r\n", "a BAD Expected SP"),
                Arguments.of("a SELECT INBOX (FOO)\r\n", "a BAD Unknown SELECT parameter"),
                Arguments.of("a FETCH 0 FLAGS\r\n", "a BAD Invalid sequence set"),
                Arguments.of("a FETCH 4294967296 FLAGS\r\n", "a BAD Invalid sequence set"),
                Arguments.of("a FETCH 1 (FLAGS\r\n", "a BAD Expected )"),
                Arguments.of("a FETCH 1 FOO\r\n", "a BAD Unknown FETCH item"),
                Arguments.of("a FETCH 1 BODY.PEEK\r\n", "a BAD Expected [ after BODY.PEEK"),
                Arguments.of("a FETCH 1 BODY[MIME]\r\n", "a BAD MIME requires a part number"),
                Arguments.of("a FETCH 1 BODY[1.]\r\n", "a BAD Expected keyword"),
                Arguments.of("a FETCH 1 BODY[]<5>\r\n", "a BAD Expected ."),
                Arguments.of("a FETCH 1 BODY[HEADER.FIELDS (Subject:)]\r\n", "a BAD Invalid header field name"),
                Arguments.of("a FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)\r\n", "a BAD VANISHED requires UID FETCH with CHANGEDSINCE"),
                Arguments.of("a UID FETCH 1:* FLAGS (VANISHED)\r\n", "a BAD VANISHED requires UID FETCH with CHANGEDSINCE"),
                Arguments.of("a SEARCH FOO\r\n", "a BAD Unknown search key"),
                Arguments.of("a SEARCH RETURN (BAR) ALL\r\n", "a BAD Unknown SEARCH return option"),
                Arguments.of("a ESEARCH RETURN (UPDATE) ALL\r\n", "a BAD UPDATE cannot be used with ESEARCH"),
                Arguments.of("a CANCELUPDATE\r\n", "a BAD Expected SP"),
                Arguments.of("a CANCELUPDATE a1\r\n", "a BAD CANCELUPDATE takes quoted tags"),
                Arguments.of("a SEARCH SINCE 31-Feb-2024\r\n", "a BAD Invalid date"),
                Arguments.of("a SEARCH SINCE 1-Foo-2024\r\n", "a BAD Invalid date"),
                Arguments.of("a STORE 1 +FLAGS (\\Recent)\r\n", "a BAD \\Recent cannot be set"),
                Arguments.of("a STORE 1 LABELS (x)\r\n", "a BAD Expected FLAGS or FLAGS.SILENT"),
                Arguments.of("a LOGIN \"unterminated\r\n", "a BAD Unterminated quoted string"),
                Arguments.of("a LOGIN \"a\\b\" c\r\n", "a BAD Invalid escape in quoted string"),
                Arguments.of("a LOGIN {5}x\r\n", "a BAD Literal header must end the line"),
                Arguments.of("a LIST (RECURSIVEMATCH) \"\" \"*\"\r\n", "a BAD RECURSIVEMATCH requires another selection option"),
                Arguments.of("a LIST (FOO) \"\" \"*\"\r\n", "a BAD Unknown LIST selection option"),
                Arguments.of("a LIST \"\" \"*\" RETURN (FOO)\r\n", "a BAD Unknown LIST return option"),
                Arguments.of("a STATUS INBOX (FOO)\r\n", "a BAD Unknown STATUS item"),
                Arguments.of("a APPEND INBOX \"30-Feb-2024 10:00:00 +0000\" {3}\r\n", "a BAD Invalid date-time"),
                Arguments.of("a APPEND INBOX hello\r\n", "a BAD Expected {"),
                Arguments.of("a ID (\"k\")\r\n", "a BAD Expected SP"),
                Arguments.of("a AUTHENTICATE PLAIN !!\r\n", "a BAD Invalid initial response"),
                Arguments.of("a SELECT {3}\r\na\rb\r\n", "a BAD Invalid mailbox name"),
                Arguments.of("a SELECT {3}\r\na\0b\r\n", "a BAD NUL in literal"),
                Arguments.of("a SELECT \"\"\r\n", "a BAD Invalid mailbox name"),
                Arguments.of("a NOOP\n", "* BAD Line must end with CRLF"),
                Arguments.of("a" + "x".repeat(64) + " NOOP\r\n", "* BAD Tag too long"),
                Arguments.of("a SEARCH " + "(".repeat(33) + "ALL" + ")".repeat(33) + "\r\n", "a BAD Too deeply nested"),
                Arguments.of("a SEARCH " + "NOT ".repeat(33) + "ALL\r\n", "a BAD Too deeply nested"),
                Arguments.of("a FETCH " + "1,".repeat(10_000) + "1 FLAGS\r\n", "a BAD Too many ranges in sequence set"));
    }

    @ParameterizedTest
    @MethodSource("errors")
    void rejectsWithExactText(String wire, String expected) {
        ImapSyntaxException e = fail(wire);
        assertEquals(expected, e.line());
        assertEquals(false, e.close());
    }

    @Test
    void rejectsInvalidUtf8() {
        byte[] wire = {'a', ' ', 'L', 'O', 'G', 'I', 'N', ' ', '"', (byte) 0xC3, '"', ' ', 'x', '\r', '\n'};
        // the tag before the bad octet is still valid, so the client gets a tagged answer and does not hang
        assertEquals("a BAD Invalid UTF-8 in command", fail(ImapLimits.DEFAULTS, true, new Wire(wire)).line());
        byte[] untaggable = {(byte) 0xC3, ' ', 'N', 'O', 'O', 'P', '\r', '\n'};
        assertEquals("* BAD Invalid UTF-8 in command", fail(ImapLimits.DEFAULTS, true, new Wire(untaggable)).line());
    }

    @Test
    void refusesOversizedSyncLiteralBeforeSendingContinuation() {
        Wire w = new Wire("a LOGIN {8193}\r\n");
        ImapSyntaxException e = fail(ImapLimits.DEFAULTS, false, w);
        assertEquals("a BAD [TOOBIG] Literal too large", e.line());
        assertEquals(false, e.close());
        assertEquals(0, w.continuations);
    }

    @Test
    void acceptsLiteralAtTheLimitBeforeAuth() throws Exception {
        String pw = "p".repeat(ImapLimits.LITERAL_BEFORE_AUTH);
        Wire w = new Wire("a LOGIN u {" + pw.length() + "}\r\n" + pw + "\r\n");
        assertEquals(new ImapCommand.Login("u", pw), new ImapParser(ImapLimits.DEFAULTS).parse(w.reader, false).command());
        assertEquals(1, w.continuations);
    }

    @Test
    void closesOnOversizedNonSyncLiteral() {
        ImapSyntaxException e = fail(ImapLimits.DEFAULTS, false, new Wire("a LOGIN {8193+}\r\n"));
        assertEquals("a BAD [TOOBIG] Literal too large", e.line());
        assertEquals(true, e.close());
    }

    @Test
    void closesOnNonSyncLiteralAboveLiteralMinusLimit() {
        ImapSyntaxException e = fail(ImapLimits.LITERAL_MINUS_DEFAULTS, true, new Wire("a SELECT {4097+}\r\n"));
        assertEquals("a BAD [TOOBIG] Literal too large", e.line());
        assertEquals(true, e.close());
    }

    @Test
    void limitsTheSumOfOneCommandsLiterals() {
        int half = ImapLimits.LITERAL_BEFORE_AUTH / 2 + 1;
        String s = "x".repeat(half);
        Wire w = new Wire("a LOGIN {" + half + "}\r\n" + s + " {" + half + "}\r\n" + s + "\r\n");
        assertEquals("a BAD [TOOBIG] Literal too large", fail(ImapLimits.DEFAULTS, false, w).line());
        assertEquals(1, w.continuations);
    }

    @Test
    void closesWhenAnUnreadNonSyncLiteralFollowsAnError() {
        ImapSyntaxException e = fail("a FOO {3+}\r\nabc\r\n");
        assertEquals("a BAD Unknown command", e.line());
        assertEquals(true, e.close());
    }

    @Test
    void closesOnOverlongLine() {
        ImapSyntaxException e = fail("a NOOP " + "x".repeat(ImapLimits.LINE) + "\r\n");
        assertEquals("* BAD Command line too long", e.line());
        assertEquals(true, e.close());
    }

    @Test
    void acceptsLineAtTheLimit() throws Exception {
        String pw = "x".repeat(ImapLimits.LINE - "a LOGIN u ".length());
        assertEquals(new ImapCommand.Login("u", pw),
                new ImapParser(ImapLimits.DEFAULTS).parse(new Wire("a LOGIN u " + pw + "\r\n").reader, true).command());
    }

    @Test
    void keepsTheTagWhenAContinuationLineIsTooLong() {
        ImapSyntaxException e = fail("a LOGIN {1}\r\nu " + "x".repeat(ImapLimits.LINE) + "\r\n");
        assertEquals("a BAD Command line too long", e.line());
        assertEquals(true, e.close());
    }

    @Test
    void afterASyntaxErrorTheNextCommandParses() throws Exception {
        Wire w = new Wire("a SELECT {3}\r\na\0b EXTRA\r\nb NOOP\r\n".getBytes(StandardCharsets.UTF_8));
        ImapParser p = new ImapParser(ImapLimits.DEFAULTS);
        assertThrows(ImapSyntaxException.class, () -> p.parse(w.reader, true));
        assertEquals(new ImapRequest("b", new ImapCommand.Noop()), p.parse(w.reader, true));
    }
}
