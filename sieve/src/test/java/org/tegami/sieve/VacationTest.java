package org.tegami.sieve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** RFC 5230 vacation and RFC 6131 :seconds: the action, the §4.5 rules, and the reply (RFC 3834). */
class VacationTest {
    private final Fixture f = new Fixture();
    private static final String PERSONAL = """
            From: Coyote <coyote@desert.example.org>\r
            To: roadrunner@acme.example.com\r
            Subject: Lunch?\r
            Message-ID: <lunch@desert.example.org>\r
            References: <earlier@desert.example.org>\r
            \r
            Meep?\r
            """;

    private Result vacation(String args, String message) {
        return f.run("require [\"vacation\", \"vacation-seconds\"]; vacation " + args + " \"I'm away\";", message);
    }

    @Test
    void rfc5230Example() {
        // RFC 5230 §4 (shape of the first example)
        Result r = f.run("""
                require "vacation";
                if header :contains "subject" "lunch" {
                    vacation :handle "ran-away" "I'm out and can't meet for lunch";
                } else {
                    vacation :handle "ran-away" "I'm out";
                }
                """, PERSONAL);
        Action.Vacation v = (Action.Vacation) r.actions().get(0);
        assertEquals("ran-away", v.handle());
        assertEquals("coyote@desert.example.org", v.recipient());
        assertEquals(Duration.ofDays(7), v.period());
        assertEquals("I'm out and can't meet for lunch", v.reason());
        assertTrue(r.implicitKeep());
    }

    @Test
    void daysAndSeconds() {
        Action.Vacation v = (Action.Vacation) vacation(":days 0 :subject \"Away\" :from \"rr@acme.example.com\"", PERSONAL).actions().get(0);
        assertEquals(Duration.ofDays(1), v.period());
        assertEquals(Optional.of("Away"), v.subject());
        Action.Vacation s = (Action.Vacation) vacation(":seconds 0", PERSONAL).actions().get(0);
        assertEquals(Duration.ZERO, s.period());
        assertTrue(s.handle().startsWith("auto:"));
        Fixture.assertCompileError("require \"vacation\"; vacation :seconds 5 \"x\";", "vacation-seconds");
        Fixture.assertCompileError("require [\"vacation\", \"vacation-seconds\"]; vacation :days 1 :seconds 5 \"x\";", "only one of");
    }

    @Test
    void noReplyRules() {
        // RFC 5230 §4.5
        assertTrue(vacation("", Fixture.MESSAGE).actions().isEmpty(), "List-ID");
        assertTrue(vacation("", "Precedence: bulk\r\n" + PERSONAL).actions().isEmpty());
        assertTrue(vacation("", "Auto-Submitted: auto-replied\r\n" + PERSONAL).actions().isEmpty());
        assertEquals(1, vacation("", "Auto-Submitted: no\r\n" + PERSONAL).actions().size());
        assertTrue(vacation("", PERSONAL.replace("To: roadrunner@acme.example.com", "To: someone@else.test")).actions().isEmpty());
        assertEquals(1, vacation(":addresses \"someone@else.test\"", PERSONAL.replace("To: roadrunner@acme.example.com",
                "To: someone@else.test")).actions().size());
        for (String sender : List.of("", "MAILER-DAEMON@x.test", "owner-list@x.test", "list-request@x.test", "roadrunner@acme.example.com")) {
            SieveMessage m = RawSieveMessage.of(PERSONAL.getBytes(StandardCharsets.UTF_8), sender, "roadrunner@acme.example.com", 1000);
            Result r = f.run("require \"vacation\"; vacation \"away\";", m);
            assertTrue(r.actions().isEmpty(), sender);
        }
    }

    @Test
    void rejectAndVacationConflict() {
        Result r = f.run("require [\"vacation\", \"reject\"]; vacation \"x\"; reject \"no\";", PERSONAL);
        assertTrue(r.runtimeError().isPresent());
        assertTrue(f.run("require \"vacation\"; vacation \"x\"; vacation \"y\";", PERSONAL).runtimeError().isPresent());
    }

    @Test
    void replyCannotCarryInjectedFields() {
        Action.Vacation v = new Action.Vacation("h", "a@b.test\r\nBcc: x@y.test", Duration.ofDays(1),
                Optional.of("Hi\rBcc: x@y.test"), Optional.of("Grüße <me@x.test>\nBcc: x@y.test"), List.of(), false, "line1\rline2");
        String text = new String(Vacations.reply(List.of(), v, "me@x.test", ZonedDateTime.parse("2008-06-03T11:00:00+02:00"),
                "<r@x>").toBytes(), StandardCharsets.UTF_8);
        String head = text.substring(0, text.indexOf("\r\n\r\n") + 2);
        for (String line : head.split("\r\n")) assertTrue(!line.startsWith("Bcc"), line);
        assertTrue(!head.replace("\r\n", "").contains("\r") && !head.replace("\r\n", "").contains("\n"), head);
        assertTrue(head.contains("From: =?UTF-8?B?"), head);
        assertTrue(head.contains(" <me@x.test> Bcc: x@y.test\r\n") || head.contains("<me@x.test>"), head);
        assertTrue(text.endsWith("line1\r\nline2\r\n"), text);
    }

    @Test
    void replyHeaders() {
        Action.Vacation v = (Action.Vacation) vacation("", PERSONAL).actions().get(0);
        Vacations.Reply reply = Vacations.reply(Fixture.message(PERSONAL).headers(), v, "roadrunner@acme.example.com",
                ZonedDateTime.parse("2008-06-03T11:00:00+02:00"), "<reply@acme.example.com>");
        String text = new String(reply.toBytes(), StandardCharsets.UTF_8);
        assertTrue(text.contains("Subject: Auto: Lunch?\r\n"), text);
        assertTrue(text.contains("To: coyote@desert.example.org\r\n"), text);
        assertTrue(text.contains("From: roadrunner@acme.example.com\r\n"), text);
        assertTrue(text.contains("Auto-Submitted: auto-replied\r\n"), text);
        assertTrue(text.contains("In-Reply-To: <lunch@desert.example.org>\r\n"), text);
        assertTrue(text.contains("References: <earlier@desert.example.org> <lunch@desert.example.org>\r\n"), text);
        assertTrue(text.endsWith("\r\n\r\nI'm away\r\n"), text);
        Action.Vacation mime = new Action.Vacation("h", "a@b.test", Duration.ofDays(1), Optional.of("Weg"), Optional.empty(), List.of(), true,
                "Content-Type: text/html\r\n\r\n<p>away</p>\r\n");
        String m = new String(Vacations.reply(List.of(), mime, "me@x.test", ZonedDateTime.parse("2008-06-03T11:00:00+02:00"),
                "<r@x>").toBytes(), StandardCharsets.UTF_8);
        assertTrue(m.contains("Content-Type: text/html\r\n\r\n<p>away</p>"), m);
    }

    /** RFC 5293 §7: vacation examines the header as edited so far (an added List-Id means no reply, RFC 5230 §4.5). */
    @Test
    void vacationSeesTheEditedHeader() {
        assertEquals(1, f.run("require \"vacation\"; vacation \"away\";", PERSONAL).actions().size());
        Result r = f.run("require [\"vacation\", \"editheader\"]; addheader \"List-Id\" \"<l.example.com>\";"
                + " vacation \"away\";", PERSONAL);
        assertTrue(r.actions().isEmpty(), r.toString());
    }
}
