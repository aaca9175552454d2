package org.tegami.mailauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Authentication-Results (RFC 8601): building, reading and finding forged fields with our authserv-id. */
class AuthResultsTest {
    @Test
    void buildsFoldedField() {
        String f = new AuthResults.Builder("mx.example.org")
                .add("spf", "pass", "smtp.mailfrom", "sender@example.com")
                .add("dkim", "pass", "header.d", "example.com", "header.s", "sel", "header.b", "ab/cd+ef")
                .add("dmarc", "pass", "header.from", "example.com")
                .add("arc", "none")
                .build();
        assertEquals("Authentication-Results: mx.example.org;\r\n\tspf=pass smtp.mailfrom=sender@example.com;\r\n"
                + "\tdkim=pass header.d=example.com header.s=sel header.b=\"ab/cd+ef\";\r\n"
                + "\tdmarc=pass header.from=example.com;\r\n\tarc=none\r\n", f);
        assertEquals("Authentication-Results: mx.example.org; none\r\n", new AuthResults.Builder("mx.example.org").build());
        // strangers' values cannot break the field
        String evil = new AuthResults.Builder("mx").add("dkim", "fail", "header.d", "x\r\nBcc: victim@x; (\"").build();
        assertFalse(evil.substring(0, evil.length() - 2).contains("\r\nB"), evil);
        assertThrows(IllegalArgumentException.class, () -> new AuthResults.Builder("mx; spf=pass"));
    }

    @Test
    void longValuesFold() {
        String f = new AuthResults.Builder("mx.example.org").add("dkim", "pass", "header.d", "a".repeat(40) + ".example",
                "header.s", "s".repeat(30), "header.b", "b".repeat(12)).build();
        for (String line : f.split("\r\n")) assertTrue(line.length() < 78 || !line.contains(" "), line);
    }

    @Test
    void parsesFieldsWithCommentsAndQuotes() {
        AuthResults.Parsed p = AuthResults.parse(" mx.example.org 1 (comment; with semicolon);\r\n spf=pass (good) smtp.mailfrom=a@b.test;"
                + " dkim=pass header.b=\"a;b\"");
        assertEquals("mx.example.org", p.authservId());
        assertEquals(List.of("spf=pass smtp.mailfrom=a@b.test", "dkim=pass header.b=\"a;b\""), p.results());
        assertEquals(List.of("none"), AuthResults.parse("mx.example.org; none").results());
        assertThrows(IllegalArgumentException.class, () -> AuthResults.parse("mx (unterminated"));
        assertThrows(IllegalArgumentException.class, () -> AuthResults.parse("mx; " + "spf=pass; ".repeat(100)));
        assertThrows(IllegalArgumentException.class, () -> AuthResults.parse("mx " + "(".repeat(20) + ")".repeat(20) + "; none"));
    }

    @Test
    void findsOurFieldsToDrop() throws Exception {
        String msg = "Authentication-Results: MX.Example.ORG; spf=pass smtp.mailfrom=forged@bank.test\r\n"
                + "Authentication-Results: (sneaky) mx.example.org; dkim=pass\r\n"
                + "Authentication-Results: other.example.net; spf=fail\r\n"
                + "Authentication-Results: mx.example.org.evil.test; spf=pass\r\n"
                + "ARC-Authentication-Results: i=1; mx.example.org; spf=pass\r\n"
                + "Authentication-Results: mx.example.org\r\n (junk ; spf=pass\r\n"
                + "From: a@b.test\r\n\r\nbody\r\n";
        HeaderSection h = HeaderSection.read(new ByteArrayInputStream(msg.getBytes(StandardCharsets.US_ASCII)));
        HeaderSection kept = AuthResults.withoutOurs(h, "mx.example.org");
        assertEquals(List.of("Authentication-Results: other.example.net; spf=fail",
                "Authentication-Results: mx.example.org.evil.test; spf=pass",
                "ARC-Authentication-Results: i=1; mx.example.org; spf=pass", "From: a@b.test"), kept.fields());
    }
}
