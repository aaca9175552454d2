package org.tegami.mime.message;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tegami.mime.message.MessageStructureTest.msg;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class MessageTextTest {

    @Test
    void encodedWordSubject() {
        MessageText t = MessageText.of(msg(
                "Subject: =?ISO-8859-1?Q?Caf=E9_cr=E8me?=",
                " =?UTF-8?B?w6AgbGEgY2FydGU=?=",
                "From: =?UTF-8?Q?J=C3=BCrgen?= <j@example.com>",
                "",
                "body"));
        assertTrue(t.header("subject", "CAFÉ CRÈME"));
        assertTrue(t.header("SUBJECT", "crèmeà la carte"));  // RFC 2047 §6.2: space between encoded words is dropped
        assertTrue(t.header("from", "jürgen"));
        assertFalse(t.header("subject", "=?ISO"));
        assertFalse(t.header("to", "café"));
        assertTrue(t.text("Café"));
        assertFalse(t.body("café"));
    }

    @Test
    void base64Latin1Body() {
        String b64 = Base64.getMimeEncoder(76, new byte[] {'\r', '\n'})
                .encodeToString("Grüße aus München, schöne Straße".getBytes(StandardCharsets.ISO_8859_1));
        MessageText t = MessageText.of(msg(
                "Content-Type: text/plain; charset=\"ISO-8859-1\"",
                "Content-Transfer-Encoding: BASE64",
                "",
                b64,
                ""));
        assertTrue(t.body("MÜNCHEN"));
        assertTrue(t.body("schöne straße"));
        assertTrue(t.text("grüße"));
        assertFalse(t.body(b64.substring(0, 8)));
    }

    @Test
    void quotedPrintableBody() {
        MessageText t = MessageText.of(msg(
                "Content-Type: multipart/alternative; boundary=q",
                "",
                "--q",
                "Content-Type: text/html; charset=utf-8",
                "Content-Transfer-Encoding: quoted-printable",
                "",
                "<p>Caf=C3=A9 au lait, a very long line that was soft-=",
                "broken by the encoder</p>",
                "--q--"));
        assertTrue(t.body("café au lait"));
        assertTrue(t.body("SOFT-BROKEN"));
        assertFalse(t.body("=C3"));
    }

    @Test
    void headerPresenceWithEmptyNeedle() {
        MessageText t = MessageText.of(msg("X-Spam-Flag: YES", "X-Empty:", "Subject: hi", "", "b"));
        assertTrue(t.header("x-spam-flag", ""));
        assertTrue(t.header("X-EMPTY", ""));
        assertFalse(t.header("X-Missing", ""));
        assertTrue(t.header("X-Spam-Flag", "yes"));
        assertTrue(t.text(""));
    }

    @Test
    void onlyTextPartsAreSearchedIncludingEmbeddedMessages() {
        MessageText t = MessageText.of(msg(
                "Content-Type: multipart/mixed; boundary=o",
                "",
                "--o",
                "Content-Type: application/octet-stream",
                "",
                "secret binary",
                "--o",
                "Content-Type: message/rfc822",
                "",
                "Subject: inner",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 8bit",
                "",
                "nested words ünïcode",
                "--o--"));
        assertFalse(t.body("secret"));
        assertTrue(t.body("NESTED WORDS ÜNÏCODE"));
        assertFalse(t.header("subject", "inner"));
    }

    @Test
    void unknownCharsetFallsBackToUtf8ThenLatin1() {
        assertTrue(MessageText.of(msg("Content-Type: text/plain; charset=x-bogus", "", "na\u00efve"))
                .body("NAÏVE"));
        byte[] latin = "Content-Type: text/plain; charset=x-bogus\r\n\r\nna\u00efve".getBytes(StandardCharsets.ISO_8859_1);
        assertTrue(MessageText.of(latin).body("naïve"));
    }

    @Test
    void turkishDefaultLocaleDoesNotChangeMatching() {
        Locale saved = Locale.getDefault();
        try {
            Locale.setDefault(Locale.forLanguageTag("tr-TR"));
            MessageText t = MessageText.of(msg("Subject: Move to INBOX", "X-Title: Title", "", "the title of the INBOX", ""));
            assertTrue(t.header("SUBJECT", "inbox"));
            assertTrue(t.header("subject", "INBOX"));
            assertTrue(t.header("x-title", "TITLE"));
            assertTrue(t.header("X-TITLE", "title"));
            assertTrue(t.body("TITLE"));
            assertTrue(t.body("inbox"));
            assertTrue(t.text("TITLE OF THE INBOX"));
            MessageStructure s = MessageStructure.parse(msg("CONTENT-TYPE: text/plain; charset=iso-8859-9", "Content-Disposition: inline", "", "x"));
            assertTrue(s.bodyStructure(true, MessageStructureTest.Q).startsWith("(\"TEXT\" \"PLAIN\" (\"charset\" \"iso-8859-9\")"));
            assertTrue(s.bodyStructure(true, MessageStructureTest.Q).contains("(\"inline\" NIL)"));
        } finally {
            Locale.setDefault(saved);
        }
    }

    /** The linear substring search agrees with String.contains, around the length where it takes over. */
    @Test
    void longNeedlesMatchAsStringContainsDoes() {
        java.util.Random r = new java.util.Random(9051);
        for (int i = 0; i < 50_000; i++) {
            String text = random(r, 1 + r.nextInt(80));
            String needle = r.nextBoolean() && text.length() > 20
                    ? text.substring(r.nextInt(text.length() - 20)).substring(0, 17 + r.nextInt(3)) // present
                    : random(r, MessageText.SHORT_NEEDLE + 1 + r.nextInt(10));
            org.junit.jupiter.api.Assertions.assertEquals(text.contains(needle), MessageText.contains(text, needle),
                    needle + " in " + text);
        }
    }

    @Test
    void aLongNeedleCostsTimeLinearInTheText() {
        String body = "a".repeat(4_000_000);
        MessageText t = MessageText.of(msg("Subject: x", "", body));
        long start = System.nanoTime();
        assertFalse(t.body("a".repeat(100_000) + "b")); // String.contains: 4e11 comparisons
        assertTrue(t.body("A".repeat(100_000)));
        assertTrue(System.nanoTime() - start < 5_000_000_000L);
    }

    private static String random(java.util.Random r, int length) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) sb.append("aab".charAt(r.nextInt(3)));
        return sb.toString();
    }
}
