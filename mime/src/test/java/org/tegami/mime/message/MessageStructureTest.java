package org.tegami.mime.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class MessageStructureTest {

    /** Quoted-string encoder as the IMAP writer would do it for short ASCII/UTF-8 strings. */
    static final Function<String, String> Q = s -> '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';

    static byte[] msg(String... lines) {
        return String.join("\r\n", lines).getBytes(StandardCharsets.UTF_8);
    }

    static String str(Optional<byte[]> b) {
        return new String(b.orElseThrow(), StandardCharsets.UTF_8);
    }

    // RFC 3501 §7.4.2 example message
    static final byte[] SIMPLE = msg(
            "Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)",
            "From: Fred Foobar <foobar@Blurdybloop.example>",
            "Subject: afternoon meeting",
            "To: mooch@owatagu.siam.edu.example",
            "Message-Id: <B27397-0100000@Blurdybloop.example>",
            "MIME-Version: 1.0",
            "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII",
            "",
            "Hello Joe, do you think we can meet at 3:30 tomorrow?",
            "");

    static final byte[] ALTERNATIVE = msg(
            "From: a@example.com",
            "To: b@example.com",
            "Subject: alt",
            "MIME-Version: 1.0",
            "Content-Type: multipart/alternative; boundary=\"XX\"",
            "",
            "preamble",
            "--XX",
            "Content-Type: text/plain; charset=utf-8",
            "",
            "plain",
            "--XX",
            "Content-Type: text/html; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            "<p>html</p>",
            "--XX--",
            "epilogue",
            "");

    static final byte[] MIXED = msg(
            "From: a@example.com",
            "Subject: report",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=frontier",
            "",
            "--frontier",
            "Content-Type: text/plain",
            "",
            "See attached.",
            "",
            "--frontier",
            "Content-Type: application/pdf; name=\"report.pdf\"",
            "Content-Transfer-Encoding: base64",
            "Content-Disposition: attachment; filename=\"report.pdf\"",
            "Content-Language: en",
            "Content-ID: <part2@example.com>",
            "Content-Description: The report",
            "",
            "JVBERi0xLjQK",
            "--frontier--",
            "");

    static final byte[] NESTED = msg(
            "From: outer@example.com",
            "Subject: fwd",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=\"b1\"",
            "",
            "--b1",
            "Content-Type: text/plain; charset=us-ascii",
            "",
            "see below",
            "--b1",
            "Content-Type: message/rfc822",
            "",
            "From: inner@example.org",
            "Subject: inner",
            "Date: Tue, 2 Jan 2024 10:00:00 +0000",
            "Message-ID: <inner@example.org>",
            "Content-Type: multipart/alternative; boundary=\"b2\"",
            "",
            "--b2",
            "Content-Type: text/plain",
            "",
            "inner plain",
            "--b2",
            "Content-Type: text/html",
            "",
            "<b>inner</b>",
            "--b2--",
            "--b1--",
            "");

    // ---- ENVELOPE ----

    @Test
    void envelopeOfSimpleMessage() {
        assertEquals("(\"Mon, 7 Feb 1994 21:52:25 -0800 (PST)\" \"afternoon meeting\""
                + " ((\"Fred Foobar\" NIL \"foobar\" \"Blurdybloop.example\"))"
                + " ((\"Fred Foobar\" NIL \"foobar\" \"Blurdybloop.example\"))"
                + " ((\"Fred Foobar\" NIL \"foobar\" \"Blurdybloop.example\"))"
                + " ((NIL NIL \"mooch\" \"owatagu.siam.edu.example\")) NIL NIL NIL"
                + " \"<B27397-0100000@Blurdybloop.example>\")",
                MessageStructure.parse(SIMPLE).envelope(Q));
    }

    @Test
    void envelopeKeepsEncodedWordsAndUnfolds() {
        byte[] m = msg(
                "Subject: =?UTF-8?B?R3LDvMOfZQ==?=",
                " and more",
                "From: =?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
                "Sender: \"Doe, John\" <john@example.com> (comment)",
                "Reply-To: <@route.example:reply@example.com>",
                "Cc: plain@example.com (Plain Name)",
                "In-Reply-To: <parent@example.com>",
                "",
                "x");
        assertEquals("(NIL \"=?UTF-8?B?R3LDvMOfZQ==?= and more\""
                + " ((\"=?ISO-8859-1?Q?Andr=E9?= Pirard\" NIL \"PIRARD\" \"vm1.ulg.ac.be\"))"
                + " ((\"Doe, John\" NIL \"john\" \"example.com\"))"
                + " ((NIL \"@route.example\" \"reply\" \"example.com\"))"
                + " NIL ((\"Plain Name\" NIL \"plain\" \"example.com\")) NIL \"<parent@example.com>\" NIL)",
                MessageStructure.parse(m).envelope(Q));
    }

    @Test
    void envelopeWithGroups() {
        byte[] m = msg(
                "From: solo@example.com",
                "To: A Group: ed@example.com, \"Doe, J\" <j@x.example>;, solo@x.example",
                "Bcc: undisclosed-recipients:;",
                "",
                "");
        assertEquals("(NIL NIL ((NIL NIL \"solo\" \"example.com\")) ((NIL NIL \"solo\" \"example.com\"))"
                + " ((NIL NIL \"solo\" \"example.com\"))"
                + " ((NIL NIL \"A Group\" NIL)(NIL NIL \"ed\" \"example.com\")(\"Doe, J\" NIL \"j\" \"x.example\")"
                + "(NIL NIL NIL NIL)(NIL NIL \"solo\" \"x.example\"))"
                + " NIL ((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) NIL NIL)",
                MessageStructure.parse(m).envelope(Q));
    }

    @Test
    void envelopeMissingHeadersAreNilAndSenderDefaultsToFrom() {
        byte[] m = msg("From: Me <me@example.com>", "Sender:", "Subject:", "", "body");
        assertEquals("(NIL \"\" ((\"Me\" NIL \"me\" \"example.com\")) ((\"Me\" NIL \"me\" \"example.com\"))"
                + " ((\"Me\" NIL \"me\" \"example.com\")) NIL NIL NIL NIL NIL)",
                MessageStructure.parse(m).envelope(Q));
        assertEquals("(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)", MessageStructure.parse(msg("X: y", "", "b")).envelope(Q));
    }

    @Test
    void envelopeAddressWithoutDomain() {
        byte[] m = msg("To: root, <>", "", "");
        assertEquals("(NIL NIL NIL NIL NIL ((NIL NIL \"root\" \"MISSING_DOMAIN\")) NIL NIL NIL NIL)",
                MessageStructure.parse(m).envelope(Q));
    }

    // ---- BODY / BODYSTRUCTURE ----

    @Test
    void bodyStructureOfTextPlain() {
        MessageStructure s = MessageStructure.parse(SIMPLE);
        assertEquals("(\"TEXT\" \"PLAIN\" (\"charset\" \"US-ASCII\") NIL NIL \"7BIT\" 55 1)", s.bodyStructure(false, Q));
        assertEquals("(\"TEXT\" \"PLAIN\" (\"charset\" \"US-ASCII\") NIL NIL \"7BIT\" 55 1 NIL NIL NIL NIL)",
                s.bodyStructure(true, Q));
    }

    @Test
    void bodyStructureWithoutContentTypeDefaultsToUsAscii() {
        assertEquals("(\"TEXT\" \"PLAIN\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 6 1)",
                MessageStructure.parse(msg("Subject: x", "", "body", "")).bodyStructure(false, Q));
    }

    @Test
    void bodyStructureOfAlternative() {
        MessageStructure s = MessageStructure.parse(ALTERNATIVE);
        assertEquals("((\"TEXT\" \"PLAIN\" (\"charset\" \"utf-8\") NIL NIL \"7BIT\" 5 0)"
                + "(\"TEXT\" \"HTML\" (\"charset\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 11 0) \"ALTERNATIVE\")",
                s.bodyStructure(false, Q));
        assertEquals("((\"TEXT\" \"PLAIN\" (\"charset\" \"utf-8\") NIL NIL \"7BIT\" 5 0 NIL NIL NIL NIL)"
                + "(\"TEXT\" \"HTML\" (\"charset\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 11 0 NIL NIL NIL NIL)"
                + " \"ALTERNATIVE\" (\"boundary\" \"XX\") NIL NIL NIL)",
                s.bodyStructure(true, Q));
    }

    @Test
    void bodyStructureOfMixedWithAttachment() {
        MessageStructure s = MessageStructure.parse(MIXED);
        assertEquals("((\"TEXT\" \"PLAIN\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 15 1 NIL NIL NIL NIL)"
                + "(\"APPLICATION\" \"PDF\" (\"name\" \"report.pdf\") \"<part2@example.com>\" \"The report\" \"BASE64\" 12"
                + " NIL (\"attachment\" (\"filename\" \"report.pdf\")) \"en\" NIL)"
                + " \"MIXED\" (\"boundary\" \"frontier\") NIL NIL NIL)",
                s.bodyStructure(true, Q));
        assertEquals("((\"TEXT\" \"PLAIN\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 15 1)"
                + "(\"APPLICATION\" \"PDF\" (\"name\" \"report.pdf\") \"<part2@example.com>\" \"The report\" \"BASE64\" 12)"
                + " \"MIXED\")",
                s.bodyStructure(false, Q));
    }

    @Test
    void bodyStructureOfNestedMessage() {
        MessageStructure s = MessageStructure.parse(NESTED);
        assertEquals("((\"TEXT\" \"PLAIN\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 9 0)"
                + "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 266"
                + " (\"Tue, 2 Jan 2024 10:00:00 +0000\" \"inner\" ((NIL NIL \"inner\" \"example.org\"))"
                + " ((NIL NIL \"inner\" \"example.org\")) ((NIL NIL \"inner\" \"example.org\")) NIL NIL NIL NIL"
                + " \"<inner@example.org>\")"
                + " ((\"TEXT\" \"PLAIN\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 11 0)"
                + "(\"TEXT\" \"HTML\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 12 0) \"ALTERNATIVE\") 14)"
                + " \"MIXED\")",
                s.bodyStructure(false, Q));
        String ext = s.bodyStructure(true, Q);
        assertTrue(ext.contains("\"ALTERNATIVE\" (\"boundary\" \"b2\") NIL NIL NIL) 14 NIL NIL NIL NIL)"), ext);
        assertTrue(ext.endsWith(" \"MIXED\" (\"boundary\" \"b1\") NIL NIL NIL)"), ext);
    }

    @Test
    void imapFixtureMessage() {
        byte[] m = ("From: dave@example.org\r\nTo: alice@example.test\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n"
                + "Date: Thu, 2 Jan 2025 08:00:00 +0100\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
                + "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo Welt\r\n"
                + "--b1\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\nContent-Transfer-Encoding: base64\r\n"
                + "Content-Disposition: attachment; filename=\"a.pdf\"\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        MessageStructure s = MessageStructure.parse(m);
        // Dovecot: the CRLF before "--b1" belongs to the boundary, so "Hallo Welt" has no LF: 10 octets, 0 lines
        assertEquals("((\"TEXT\" \"PLAIN\" (\"charset\" \"utf-8\") NIL NIL \"7BIT\" 10 0 NIL NIL NIL NIL)"
                + "(\"APPLICATION\" \"PDF\" (\"name\" \"a.pdf\") NIL NIL \"BASE64\" 12 NIL (\"attachment\" (\"filename\" \"a.pdf\")) NIL NIL)"
                + " \"MIXED\" (\"boundary\" \"b1\") NIL NIL NIL)", s.bodyStructure(true, Q));
        assertEquals("(\"Thu, 2 Jan 2025 08:00:00 +0100\" \"=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\" ((NIL NIL \"dave\" \"example.org\"))"
                + " ((NIL NIL \"dave\" \"example.org\")) ((NIL NIL \"dave\" \"example.org\")) ((NIL NIL \"alice\" \"example.test\"))"
                + " NIL NIL NIL NIL)", s.envelope(Q));
        assertEquals(133, s.section(m, List.of(2), "MIME", List.of()).orElseThrow().length);
        assertEquals("From: dave@example.org\r\nDate: Thu, 2 Jan 2025 08:00:00 +0100\r\n\r\n",
                str(s.section(m, List.of(), "HEADER.FIELDS", List.of("DATE", "FROM"))));
        assertEquals(Optional.empty(), s.section(m, List.of(3), "", List.of()));
    }

    @Test
    void rfc2231ContinuationsAreJoined() {
        byte[] m = msg(
                "Content-Type: application/octet-stream;",
                " name*0=\"long\"; name*1=\"-name.txt\"",
                "Content-Disposition: attachment; filename*0*=utf-8''%E2%82%AC; filename*1*=%20rates.txt",
                "",
                "x");
        assertEquals("(\"APPLICATION\" \"OCTET-STREAM\" (\"name\" \"long-name.txt\") NIL NIL \"7BIT\" 1 NIL"
                + " (\"attachment\" (\"filename*\" \"utf-8''%E2%82%AC%20rates.txt\")) NIL NIL)",
                MessageStructure.parse(m).bodyStructure(true, Q));
    }

    @Test
    void languageListAndLocation() {
        byte[] m = msg("Content-Type: text/plain; charset=utf-8", "Content-Language: en, fr",
                "Content-Location: http://example.com/x", "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==", "", "x");
        assertEquals("(\"TEXT\" \"PLAIN\" (\"charset\" \"utf-8\") NIL NIL \"7BIT\" 1 0 \"Q2hlY2sgSW50ZWdyaXR5IQ==\" NIL"
                + " (\"en\" \"fr\") \"http://example.com/x\")",
                MessageStructure.parse(m).bodyStructure(true, Q));
    }

    // ---- sections ----

    @Test
    void headerAndTextOfWholeMessage() {
        MessageStructure s = MessageStructure.parse(ALTERNATIVE);
        String header = str(s.section(ALTERNATIVE, List.of(), "HEADER", List.of()));
        assertEquals("From: a@example.com\r\nTo: b@example.com\r\nSubject: alt\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/alternative; boundary=\"XX\"\r\n\r\n", header);
        String text = str(s.section(ALTERNATIVE, List.of(), "TEXT", List.of()));
        assertEquals(new String(ALTERNATIVE, StandardCharsets.UTF_8).substring(header.length()), text);
        assertArrayEquals(ALTERNATIVE, s.section(ALTERNATIVE, List.of(), "", List.of()).orElseThrow());
    }

    @Test
    void partsAndMime() {
        MessageStructure s = MessageStructure.parse(ALTERNATIVE);
        assertEquals("plain", str(s.section(ALTERNATIVE, List.of(1), "", List.of())));
        assertEquals("<p>html</p>", str(s.section(ALTERNATIVE, List.of(2), "", List.of())));
        assertEquals("Content-Type: text/plain; charset=utf-8\r\n\r\n", str(s.section(ALTERNATIVE, List.of(1), "MIME", List.of())));
        assertEquals(Optional.empty(), s.section(ALTERNATIVE, List.of(3), "", List.of()));
        assertEquals(Optional.empty(), s.section(ALTERNATIVE, List.of(1, 2), "", List.of()));
        assertEquals(Optional.empty(), s.section(ALTERNATIVE, List.of(0), "", List.of()));
        assertEquals(Optional.empty(), s.section(ALTERNATIVE, List.of(), "MIME", List.of()));
    }

    @Test
    void singlePartMessageHasPartOne() {
        MessageStructure s = MessageStructure.parse(SIMPLE);
        assertEquals("Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n", str(s.section(SIMPLE, List.of(1), "", List.of())));
        assertEquals("Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n", str(s.section(SIMPLE, List.of(1, 1), "", List.of())));
        assertEquals(Optional.empty(), s.section(SIMPLE, List.of(2), "", List.of()));
        assertEquals(Optional.empty(), s.section(SIMPLE, List.of(1), "TEXT", List.of()));
        String header = str(s.section(SIMPLE, List.of(), "HEADER", List.of()));
        assertTrue(header.startsWith("Date: ") && header.endsWith("CHARSET=US-ASCII\r\n\r\n"), header);
        assertEquals(header, str(s.section(SIMPLE, List.of(1), "MIME", List.of())));
    }

    @Test
    void sectionsInsideEmbeddedMessage() {
        MessageStructure s = MessageStructure.parse(NESTED);
        assertEquals("see below", str(s.section(NESTED, List.of(1), "", List.of())));
        assertEquals("inner plain", str(s.section(NESTED, List.of(2, 1), "", List.of())));
        assertEquals("<b>inner</b>", str(s.section(NESTED, List.of(2, 2), "", List.of())));
        assertEquals("Content-Type: text/plain\r\n\r\n", str(s.section(NESTED, List.of(2, 1), "MIME", List.of())));
        assertEquals("Content-Type: message/rfc822\r\n\r\n", str(s.section(NESTED, List.of(2), "MIME", List.of())));
        String whole = str(s.section(NESTED, List.of(2), "", List.of()));
        assertTrue(whole.startsWith("From: inner@example.org\r\n") && whole.endsWith("--b2--"), whole);
        assertEquals(266, whole.length());
        String header = str(s.section(NESTED, List.of(2), "HEADER", List.of()));
        assertEquals("From: inner@example.org\r\nSubject: inner\r\nDate: Tue, 2 Jan 2024 10:00:00 +0000\r\n"
                + "Message-ID: <inner@example.org>\r\nContent-Type: multipart/alternative; boundary=\"b2\"\r\n\r\n", header);
        assertEquals(whole.substring(header.length()), str(s.section(NESTED, List.of(2), "TEXT", List.of())));
        assertEquals("Subject: inner\r\n\r\n", str(s.section(NESTED, List.of(2), "HEADER.FIELDS", List.of("subject"))));
        // HEADER/TEXT of a part that is not message/rfc822 do not exist
        assertEquals(Optional.empty(), s.section(NESTED, List.of(1), "HEADER", List.of()));
        assertEquals(Optional.empty(), s.section(NESTED, List.of(1), "TEXT", List.of()));
        assertEquals(Optional.empty(), s.section(NESTED, List.of(2, 3), "", List.of()));
        assertEquals(Optional.empty(), s.section(NESTED, List.of(3), "", List.of()));
    }

    @Test
    void headerFieldsKeepFoldedLines() {
        byte[] m = msg(
                "From: \"Folded",
                " Name\" <f@example.com>",
                "Subject: a",
                "\tfolded subject",
                "To: t@example.com",
                "X-Other: y",
                "subject: second",
                "",
                "body");
        MessageStructure s = MessageStructure.parse(m);
        assertEquals("From: \"Folded\r\n Name\" <f@example.com>\r\nSubject: a\r\n\tfolded subject\r\nsubject: second\r\n\r\n",
                str(s.section(m, List.of(), "HEADER.FIELDS", List.of("From", "SUBJECT"))));
        assertEquals("To: t@example.com\r\nX-Other: y\r\n\r\n",
                str(s.section(m, List.of(), "header.fields.not", List.of("From", "Subject"))));
        assertEquals("\r\n", str(s.section(m, List.of(), "HEADER.FIELDS", List.of("Cc"))));
        assertEquals("(NIL \"a\tfolded subject\" ((\"Folded Name\" NIL \"f\" \"example.com\"))"
                + " ((\"Folded Name\" NIL \"f\" \"example.com\")) ((\"Folded Name\" NIL \"f\" \"example.com\"))"
                + " ((NIL NIL \"t\" \"example.com\")) NIL NIL NIL NIL)", s.envelope(Q));
    }

    @Test
    void sentDate() {
        assertEquals(Optional.of(LocalDate.of(1994, 2, 7)), MessageStructure.parse(SIMPLE).sentDate());
        assertEquals(Optional.of(LocalDate.of(2024, 1, 2)),
                MessageStructure.parse(msg("Date: 2 Jan 24 23:59 -1200", "", "")).sentDate());
        assertEquals(Optional.of(LocalDate.of(2023, 12, 31)),
                MessageStructure.parse(msg("Date: Sun, 31 Dec 2023 23:30:00 -0800", "", "")).sentDate());
        assertEquals(Optional.empty(), MessageStructure.parse(msg("Date: yesterday", "", "")).sentDate());
        assertEquals(Optional.empty(), MessageStructure.parse(msg("Date: 31 Feb 2023 10:00 +0000", "", "")).sentDate());
        assertEquals(Optional.empty(), MessageStructure.parse(msg("Subject: x", "", "")).sentDate());
    }
}
