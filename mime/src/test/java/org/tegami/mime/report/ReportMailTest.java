package org.tegami.mime.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The mail that carries an aggregate report: its header, its two parts, and no way to inject a header. */
class ReportMailTest {
    private static ReportMail mail(String subject, String file) {
        return new ReportMail("mx.b.test TLS reports", "noreply-tlsrpt@mx.b.test", "tls@a.test", subject, "r1@mx.b.test",
                List.of("TLS-Report-Domain: a.test"), "multipart/report; report-type=\"tlsrpt\"", "A report.\nTwo lines.",
                "application/tlsrpt+gzip", file);
    }

    @Test
    void headerPartsAndAttachment() {
        byte[] report = new byte[200];
        for (int i = 0; i < report.length; i++) report[i] = (byte) i;
        String m = new String(mail("Report Domain: a.test", "mx.b.test!a.test!1!2.json.gz").build(report,
                Instant.parse("2026-12-06T00:00:00Z")), StandardCharsets.US_ASCII);
        assertTrue(m.startsWith("From: mx.b.test TLS reports <noreply-tlsrpt@mx.b.test>\r\nTo: <tls@a.test>\r\n"
                + "Subject: Report Domain: a.test\r\nDate: Sun, 6 Dec 2026 00:00:00 GMT\r\nMessage-ID: <r1@mx.b.test>\r\n"
                + "TLS-Report-Domain: a.test\r\nAuto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/report; report-type=\"tlsrpt\"; boundary=\""), m);
        assertTrue(m.contains("\r\n\r\nA report.\r\nTwo lines.\r\n"), m);
        assertTrue(m.contains("Content-Disposition: attachment; filename=\"mx.b.test!a.test!1!2.json.gz\"\r\n\r\n"), m);
        String b64 = m.substring(m.indexOf("filename=\"mx.b.test!a.test!1!2.json.gz\"\r\n\r\n") + 43, m.lastIndexOf("\r\n--"));
        for (String line : b64.split("\r\n")) assertTrue(line.length() <= 76, line);
        assertEquals(java.util.Arrays.toString(report), java.util.Arrays.toString(Base64.getMimeDecoder().decode(b64)));
        assertTrue(m.endsWith("--\r\n"));
        for (String line : m.split("\r\n")) assertTrue(!line.contains("\n") && !line.contains("\r"), line);
    }

    @Test
    void noHeaderInjection() {
        assertThrows(IllegalArgumentException.class, () -> mail("Report\r\nBcc: x@evil.test", "f.gz"));
        assertThrows(IllegalArgumentException.class, () -> mail("ok", "f\".gz"));
        assertThrows(IllegalArgumentException.class, () -> new ReportMail("n", "a@b.test", "c@d.test", "s", "id@x",
                List.of("X-A: 1\nX-B: 2"), "multipart/mixed", "t", "application/gzip", "f.gz"));
    }
}
