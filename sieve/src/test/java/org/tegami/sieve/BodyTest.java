package org.tegami.sieve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 5173 body test over {@link RawSieveMessage}'s MIME parts: :raw, :content, :text, transfer decoding, bounds. */
class BodyTest {
    private final Fixture f = new Fixture();

    static final String MULTIPART = """
            From: a@example.org\r
            To: roadrunner@acme.example.com\r
            Subject: parts\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="XX"\r
            \r
            preamble\r
            --XX\r
            Content-Type: text/plain; charset=iso-8859-1\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            Gr=FC=DFe, MAKE MONEY=\r
             FAST\r
            --XX\r
            Content-Type: text/html\r
            Content-Transfer-Encoding: base64\r
            \r
            PGI+SGVsbG88L2I+IHdvcmxk\r
            --XX\r
            Content-Type: application/octet-stream\r
            \r
            secret-binary\r
            --XX--\r
            """;

    private boolean fires(String test) {
        Result r = f.run("require [\"body\", \"fileinto\"]; if " + test + " { fileinto \"yes\"; }", MULTIPART);
        assertTrue(r.runtimeError().isEmpty());
        return r.actions().contains(Fixture.fileinto("yes"));
    }

    @Test
    void textIsDecodedAndWithoutMarkup() {
        assertTrue(fires("body :contains \"Grüße\""));
        assertTrue(fires("body :text :contains \"make money fast\""));
        assertTrue(fires("body :contains \"Hello\""));
        assertFalse(fires("body :contains \"<b>\""));
        assertFalse(fires("body :contains \"secret-binary\""));
        assertFalse(fires("body :contains \"preamble\""));
    }

    @Test
    void rawIsUndecoded() {
        assertTrue(fires("body :raw :contains \"Gr=FC=DFe\""));
        assertTrue(fires("body :raw :contains \"secret-binary\""));
        assertFalse(fires("body :raw :contains \"Grüße\""));
    }

    @Test
    void contentSelectsTypes() {
        assertTrue(fires("body :content \"text/html\" :contains \"<b>Hello</b>\""));
        assertFalse(fires("body :content \"text/html\" :contains \"Grüße\""));
        assertTrue(fires("body :content \"text\" :contains \"Grüße\""));
        assertTrue(fires("body :content \"\" :contains \"world\""));
        assertFalse(fires("body :content \"image\" :contains \"\""));
    }

    @Test
    void rfc5173Example() {
        // RFC 5173 §7
        String s = """
                require ["body", "fileinto"];
                if body :text :contains "MAKE MONEY FAST" {
                        discard;
                }
                """;
        Result r = f.run(s, MULTIPART);
        assertEquals(List.of(new Action.Discard()), r.actions());
    }

    @Test
    void bodyReadIsBounded() {
        byte[] raw = ("Subject: big\r\n\r\n" + "a".repeat(5000) + "NEEDLE").getBytes(StandardCharsets.US_ASCII);
        SieveMessage m = RawSieveMessage.of(raw, "a@b.test", "c@d.test", 1000);
        assertEquals(1000, m.body().raw().length());
        Result r = f.run("require [\"body\", \"fileinto\"]; if body :raw :contains \"NEEDLE\" { fileinto \"yes\"; }", m);
        assertEquals(List.of(), r.actions());
    }

    @Test
    void nonMimeIsOneTextPart() {
        assertTrue(f.fires("\"body\"", "body :contains \"frobnitz\""));
        Fixture.assertCompileError("if body :contains \"x\" {}", "needs require \"body\"");
    }
}
