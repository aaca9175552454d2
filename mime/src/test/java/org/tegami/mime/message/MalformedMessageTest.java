package org.tegami.mime.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tegami.mime.message.MessageStructureTest.Q;
import static org.tegami.mime.message.MessageStructureTest.msg;
import static org.tegami.mime.message.MessageStructureTest.str;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Malformed input never throws and always yields a valid structure. */
class MalformedMessageTest {

    /** Exercises every public entry point; returns the BODYSTRUCTURE. */
    static String exercise(byte[] raw) {
        MessageStructure s = MessageStructure.parse(raw);
        s.envelope(Q);
        s.bodyStructure(false, Q);
        s.sentDate();
        for (String t : List.of("", "HEADER", "TEXT", "MIME", "HEADER.FIELDS", "HEADER.FIELDS.NOT")) {
            s.section(raw, List.of(), t, List.of("From", "Subject"));
            s.section(raw, List.of(1), t, List.of("From"));
            s.section(raw, List.of(1, 1), t, List.of("From"));
            s.section(raw, List.of(2, 1), t, List.of("From"));
        }
        MessageText m = MessageText.of(raw);
        m.text("a");
        m.header("subject", "");
        m.body("x");
        String bs = s.bodyStructure(true, Q);
        assertBalanced(bs);
        return bs;
    }

    static void assertBalanced(String s) {
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted) {
                if (c == '\\') i++;
                else if (c == '"') quoted = false;
            } else if (c == '"') {
                quoted = true;
            } else if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
                assertTrue(depth >= 0, s);
            }
        }
        assertEquals(0, depth, s);
        assertFalse(quoted, s);
    }

    @Test
    void emptyMessage() {
        byte[] raw = new byte[0];
        assertEquals("(\"TEXT\" \"PLAIN\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 0 0 NIL NIL NIL NIL)", exercise(raw));
        MessageStructure s = MessageStructure.parse(raw);
        assertEquals("(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)", s.envelope(Q));
        assertEquals("", str(s.section(raw, List.of(), "HEADER", List.of())));
        assertEquals("", str(s.section(raw, List.of(1), "", List.of())));
    }

    @Test
    void headerOnlyMessage() {
        byte[] raw = "Subject: only a header\r\nFrom: a@b.example\r\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals("(\"TEXT\" \"PLAIN\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 0 0 NIL NIL NIL NIL)", exercise(raw));
        MessageStructure s = MessageStructure.parse(raw);
        assertEquals(new String(raw, StandardCharsets.US_ASCII), str(s.section(raw, List.of(), "HEADER", List.of())));
        assertEquals("", str(s.section(raw, List.of(), "TEXT", List.of())));
        assertTrue(s.envelope(Q).startsWith("(NIL \"only a header\" ((NIL NIL \"a\" \"b.example\"))"));
        // no line break at all after the last field
        byte[] raw2 = "Subject: x".getBytes(StandardCharsets.US_ASCII);
        exercise(raw2);
        assertEquals("Subject: x\r\n\r\n", str(MessageStructure.parse(raw2).section(raw2, List.of(), "HEADER.FIELDS", List.of("subject"))));
    }

    @Test
    void noBlankLineBetweenHeaderAndBody() {
        byte[] raw = msg("Subject: x", "Hello there", "");
        assertEquals("(\"TEXT\" \"PLAIN\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 13 1 NIL NIL NIL NIL)", exercise(raw));
        MessageStructure s = MessageStructure.parse(raw);
        assertEquals("Subject: x\r\n", str(s.section(raw, List.of(), "HEADER", List.of())));
        assertEquals("Hello there\r\n", str(s.section(raw, List.of(), "TEXT", List.of())));
        assertTrue(MessageText.of(raw).body("HELLO"));
    }

    @Test
    void missingClosingBoundary() {
        byte[] raw = msg(
                "Content-Type: multipart/mixed; boundary=b",
                "",
                "--b",
                "Content-Type: text/plain",
                "",
                "one",
                "--b",
                "Content-Type: multipart/alternative; boundary=inner",
                "",
                "--inner",
                "",
                "two",
                "--b",
                "",
                "three",
                "");
        assertEquals("((\"TEXT\" \"PLAIN\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 3 0)"
                + "((\"TEXT\" \"PLAIN\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 3 0) \"ALTERNATIVE\")"
                + "(\"TEXT\" \"PLAIN\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 7 1) \"MIXED\")",
                MessageStructure.parse(raw).bodyStructure(false, Q));
        exercise(raw);
        assertEquals("three\r\n", str(MessageStructure.parse(raw).section(raw, List.of(3), "", List.of())));
        assertEquals("two", str(MessageStructure.parse(raw).section(raw, List.of(2, 1), "", List.of())));
    }

    @Test
    void multipartWithoutBoundaryOrParts() {
        assertEquals("(\"TEXT\" \"PLAIN\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 4 0 NIL NIL NIL NIL)",
                exercise(msg("Content-Type: multipart/mixed", "", "text")));
        assertEquals("((\"TEXT\" \"PLAIN\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 0 0) \"MIXED\")",
                MessageStructure.parse(msg("Content-Type: multipart/mixed; boundary=zz", "", "no parts here", ""))
                        .bodyStructure(false, Q));
    }

    @Test
    void invalidContentTypeAndUnknownEncoding() {
        assertEquals("(\"TEXT\" \"PLAIN\" (\"charset\" \"us-ascii\") NIL NIL \"X-UUENCODE\" 1 0 NIL NIL NIL NIL)",
                exercise(msg("Content-Type: garbage", "Content-Transfer-Encoding: x-uuencode", "", "x")));
        assertEquals("(\"TEXT\" \"PLAIN\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 1 0 NIL NIL NIL NIL)",
                exercise(msg("Content-Type: ;;;=\"", "", "x")));
    }

    @Test
    void eightBitHeaders() {
        byte[] raw = msg("Subject: Grüße aus Köln", "From: Jürgen <j@example.com>", "", "body");
        MessageStructure s = MessageStructure.parse(raw);
        assertTrue(s.envelope(Q).startsWith("(NIL \"Grüße aus Köln\" ((\"Jürgen\" NIL \"j\" \"example.com\"))"), s.envelope(Q));
        assertTrue(MessageText.of(raw).header("Subject", "GRÜßE AUS"));
        // ISO-8859-1 bytes that are not UTF-8
        byte[] latin = "Subject: caf\u00e9\r\n\r\nx".getBytes(StandardCharsets.ISO_8859_1);
        assertTrue(MessageStructure.parse(latin).envelope(Q).startsWith("(NIL \"café\""));
        assertTrue(MessageText.of(latin).header("subject", "CAFÉ"));
    }

    @Test
    void badBase64AndQuotedPrintableDecodeWhatTheyCan() {
        byte[] raw = msg(
                "Content-Type: multipart/mixed; boundary=b",
                "",
                "--b",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: base64",
                "",
                "aGVsbG8gd29ybGQ=!!*&^%$===abc",
                "--b",
                "Content-Type: text/plain; charset=x-unknown-charset",
                "Content-Transfer-Encoding: quoted-printable",
                "",
                "soft =ZZ broken =",
                "line=C3=A9",
                "--b--");
        exercise(raw);
        MessageText t = MessageText.of(raw);
        assertTrue(t.body("hello world"));
        assertTrue(t.body("broken line"));
        assertTrue(t.body("lineé"));
    }

    @Test
    void deepNestingIsBounded() {
        StringBuilder sb = new StringBuilder();
        int depth = 200;
        for (int i = 0; i < depth; i++) {
            sb.append("Content-Type: multipart/mixed; boundary=b").append(i).append("\r\n\r\n--b").append(i).append("\r\n");
        }
        sb.append("Content-Type: text/plain\r\n\r\nleaf\r\n");
        for (int i = depth - 1; i >= 0; i--) sb.append("--b").append(i).append("--\r\n");
        byte[] raw = sb.toString().getBytes(StandardCharsets.US_ASCII);
        String bs = exercise(raw);
        int max = 0;
        int d = 0;
        for (char c : bs.toCharArray()) {
            if (c == '(') max = Math.max(max, ++d);
            if (c == ')') d--;
        }
        assertTrue(max <= MimeParser.MAX_DEPTH + 3, "depth " + max);
        assertTrue(bs.contains("\"APPLICATION\" \"OCTET-STREAM\""), bs);
        // message/rfc822 nesting as well
        StringBuilder m = new StringBuilder();
        for (int i = 0; i < depth; i++) m.append("Content-Type: message/rfc822\r\n\r\n");
        m.append("Subject: deep\r\n\r\nx");
        exercise(m.toString().getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void partCountIsBounded() {
        StringBuilder sb = new StringBuilder("Content-Type: multipart/mixed; boundary=b\r\n\r\n");
        for (int i = 0; i < 20_000; i++) sb.append("--b\r\n\r\nx\r\n");
        sb.append("--b--\r\n");
        byte[] raw = sb.toString().getBytes(StandardCharsets.US_ASCII);
        exercise(raw);
        MessageStructure s = MessageStructure.parse(raw);
        assertTrue(s.partCount() <= MimeParser.MAX_PARTS, "parts " + s.partCount());
        assertEquals("x", str(s.section(raw, List.of(9_999), "", List.of())));
        assertEquals(Optional.empty(), s.section(raw, List.of(10_000), "", List.of()));
    }

    @Test
    void everyPrefixOfAMessageParses() {
        byte[] full = MessageStructureTest.NESTED;
        for (int i = 0; i <= full.length; i++) exercise(Arrays.copyOf(full, i));
        byte[] lf = new String(MessageStructureTest.MIXED, StandardCharsets.US_ASCII).replace("\r\n", "\n").getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i <= lf.length; i++) exercise(Arrays.copyOf(lf, i));
        // bare LF line ends give the same tree with LF-counted sizes
        assertEquals("((\"TEXT\" \"PLAIN\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 14 1)"
                + "(\"APPLICATION\" \"PDF\" (\"name\" \"report.pdf\") \"<part2@example.com>\" \"The report\" \"BASE64\" 12)"
                + " \"MIXED\")", MessageStructure.parse(lf).bodyStructure(false, Q));
    }

    @Test
    void randomBytesNeverThrow() {
        Random r = new Random(42);
        List<byte[]> seeds = new ArrayList<>(List.of(MessageStructureTest.NESTED, MessageStructureTest.MIXED,
                MessageStructureTest.ALTERNATIVE, MessageStructureTest.SIMPLE));
        String alphabet = "\r\n\r\n-- :;=\"()<>@,\\boundaryb1b2XXContent-Type: multipart/message/rfc822\t";
        for (int n = 0; n < 3000; n++) {
            byte[] base = seeds.get(n % seeds.size()).clone();
            int edits = 1 + r.nextInt(8);
            for (int e = 0; e < edits; e++) {
                int pos = r.nextInt(base.length);
                base[pos] = r.nextBoolean() ? (byte) alphabet.charAt(r.nextInt(alphabet.length())) : (byte) r.nextInt(256);
            }
            exercise(base);
        }
        for (int n = 0; n < 300; n++) {
            byte[] b = new byte[r.nextInt(400)];
            for (int i = 0; i < b.length; i++) b[i] = (byte) alphabet.charAt(r.nextInt(alphabet.length()));
            exercise(b);
        }
    }
}
