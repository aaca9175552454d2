package org.tegami.delivery.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.tegami.delivery.json.Json;

/** RFC 8460 §4.4/§5.3 reports as strangers send them: read, or refused with a reason; each limit tried. */
class TlsReportReaderTest {
    static final String REPORT = """
            {"organization-name":"Example Sender","date-range":{"start-datetime":"2026-12-05T00:00:00Z",
             "end-datetime":"2026-12-05T23:59:59Z"},"contact-info":"postmaster@sender.test","report-id":"r-42",
             "policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: enforce"],
               "policy-domain":"Example.TEST","mx-host":["mx.example.test"]},
              "summary":{"total-successful-session-count":120,"total-failure-session-count":3},
              "failure-details":[{"result-type":"certificate-expired","sending-mta-ip":"192.0.2.1",
                "receiving-mx-hostname":"mx.example.test","failed-session-count":2},
               {"result-type":"starttls-not-supported","failed-session-count":1}]},
              {"policy":{"policy-type":"no-policy-found","policy-domain":"other.test"},
               "summary":{"total-successful-session-count":7,"total-failure-session-count":0}}]}
            """;

    static byte[] gzip(byte[] b) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }

    static byte[] mail(String reportType, String partType, byte[] part) {
        return ("From: <noreply@sender.test>\r\nTo: <tlsrpt@example.test>\r\nSubject: Report Domain: example.test\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=\"" + reportType + "\";\r\n\tboundary=\"b1\"\r\n\r\n"
                + "--b1\r\nContent-Type: text/plain\r\n\r\nA report.\r\n"
                + "--b1\r\nContent-Type: " + partType + "\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + Base64.getMimeEncoder(76, new byte[] {'\r', '\n'}).encodeToString(part) + "\r\n--b1--\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aGzipReportIsSummarisedPerPolicy() throws Exception {
        var r = TlsReportReader.read(mail("tlsrpt", "application/tlsrpt+gzip", gzip(REPORT.getBytes(StandardCharsets.UTF_8))));
        var ok = assertInstanceOf(TlsReportReader.Result.Ok.class, r);
        assertEquals(new TlsReportReader.Report("Example Sender", "r-42", Instant.parse("2026-12-05T00:00:00Z"),
                Instant.parse("2026-12-05T23:59:59Z"), List.of(
                        new TlsReportReader.Policy("example.test", "sts", 120, 3,
                                Map.of("certificate-expired", 2L, "starttls-not-supported", 1L)),
                        new TlsReportReader.Policy("other.test", "no-policy-found", 7, 0, Map.of()))), ok.report());
    }

    @Test
    void aJsonReportAndOtherMessages() throws Exception {
        assertInstanceOf(TlsReportReader.Result.Ok.class,
                TlsReportReader.read(mail("TLSRPT", "application/tlsrpt+json", REPORT.getBytes(StandardCharsets.UTF_8))));
        assertInstanceOf(TlsReportReader.Result.NotAReport.class,
                TlsReportReader.read(mail("delivery-status", "application/tlsrpt+json", REPORT.getBytes(StandardCharsets.UTF_8))));
        assertInstanceOf(TlsReportReader.Result.NotAReport.class,
                TlsReportReader.read("Subject: hello\r\n\r\nmultipart/report tlsrpt\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(new TlsReportReader.Result.Bad("multipart/report of type tlsrpt without an application/tlsrpt+gzip or +json part"),
                TlsReportReader.read(mail("tlsrpt", "application/json", REPORT.getBytes(StandardCharsets.UTF_8))));
        assertTrue(TlsReportReader.mightBeReport("Content-Type: Multipart/Report; report-type=TLSRPT".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(!TlsReportReader.mightBeReport("Content-Type: multipart/report; report-type=delivery-status".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void brokenReportsSayWhy() {
        Map<String, String> cases = Map.of(
                "[1]", "the report is not a JSON object",
                "{\"organization-name\":\"x\"}", "organization-name or report-id missing",
                "{\"organization-name\":\"x\",\"report-id\":\"y\",\"date-range\":{\"start-datetime\":\"yesterday\",\"end-datetime\":\"today\"},\"policies\":[]}",
                "date-range not RFC 3339 date-times",
                "{\"a\":1,\"a\":2}", "JSON: member \"a\" twice at offset 12",
                "{\"a\":01}", "JSON: bad number",
                "{\"a\":99999999999999999999}", "JSON: integer out of range",
                "{\"a\":\"\\x\"}", "JSON: bad escape",
                "{\"a\":1} x", "JSON: text after the value at offset 8");
        cases.forEach((json, why) -> {
            var r = assertInstanceOf(TlsReportReader.Result.Bad.class, TlsReportReader.parse(json.getBytes(StandardCharsets.UTF_8)), json);
            assertTrue(r.reason().startsWith(why), json + ": " + r.reason());
        });
        var negative = REPORT.replace("\"total-successful-session-count\":120", "\"total-successful-session-count\":-1");
        assertInstanceOf(TlsReportReader.Result.Bad.class, TlsReportReader.parse(negative.getBytes(StandardCharsets.UTF_8)));
    }

    /** The attacks: nesting that would overflow a recursive parser, a gzip bomb, a flood of members. */
    @Test
    void limitsHoldAgainstHostileReports() throws Exception {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        assertEquals(new TlsReportReader.Result.Bad("JSON: nested deeper than 16 at offset 16"),
                TlsReportReader.parse(deep.getBytes(StandardCharsets.US_ASCII)));

        byte[] bomb = gzip(new byte[64 * 1024 * 1024]); // 64 MiB of zeros in about 64 KiB
        assertTrue(bomb.length < 200_000, "a small message: " + bomb.length);
        long before = usedMemory();
        var r = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> TlsReportReader.read(mail("tlsrpt", "application/tlsrpt+gzip", bomb)));
        assertEquals(new TlsReportReader.Result.Bad("report not gzip, or larger than " + TlsReportReader.MAX_JSON
                + " bytes inflated"), r);
        assertTrue(usedMemory() - before < 64L * 1024 * 1024, "inflating stopped at the limit");

        StringBuilder many = new StringBuilder("{\"x\":[");
        for (int i = 0; i <= Json.MAX_MEMBERS; i++) many.append(i == 0 ? "" : ",").append('1');
        many.append("]}");
        assertEquals(new TlsReportReader.Result.Bad("JSON: more than 10000 elements at offset " + (6 + 2 * Json.MAX_MEMBERS)),
                TlsReportReader.parse(many.toString().getBytes(StandardCharsets.US_ASCII)));

        StringBuilder policies = new StringBuilder("{\"organization-name\":\"o\",\"report-id\":\"r\",\"date-range\":"
                + "{\"start-datetime\":\"2026-12-05T00:00:00Z\",\"end-datetime\":\"2026-12-05T23:59:59Z\"},\"policies\":[");
        for (int i = 0; i < 500; i++) {
            policies.append(i == 0 ? "" : ",").append("{\"policy\":{\"policy-type\":\"sts\",\"policy-domain\":\"d").append(i)
                    .append(".test\"},\"summary\":{\"total-successful-session-count\":1,\"total-failure-session-count\":0}}");
        }
        policies.append("]}");
        var ok = assertInstanceOf(TlsReportReader.Result.Ok.class, TlsReportReader.parse(policies.toString().getBytes(StandardCharsets.US_ASCII)));
        assertEquals(TlsReportReader.MAX_POLICIES, ok.report().policies().size(), "policies kept are bounded");

        String control = REPORT.replace("Example Sender", "Evil\\u001b[2J\\u0007 Sender");
        var clean = assertInstanceOf(TlsReportReader.Result.Ok.class, TlsReportReader.parse(control.getBytes(StandardCharsets.UTF_8)));
        assertEquals("Evil[2J Sender", clean.report().organization(), "no terminal control characters reach tegami tls-report");
    }

    private static long usedMemory() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
