package org.tegami.queue.tlsrpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.QueueEntry;
import org.tegami.store.embedded.EmbeddedStore;

/**
 * TLS reports (RFC 8460): sessions counted, stored, and after the day a gzip'd JSON report queued to the domain's
 * {@code rua}, checked by an independent reader (python3's json and gzip) against the fields §4.4 requires.
 */
class TlsReporterTest {
    static final Instant DAY = Instant.parse("2026-12-06T10:00:00Z");
    @TempDir
    Path dir;

    /** RFC 8460 §4.4's required members and value types, checked by python3 outside our code. */
    static final String CHECK = """
            import json, sys, re, datetime
            r = json.load(open(sys.argv[1]))
            def need(o, k, t):
                assert k in o, "missing " + k
                assert isinstance(o[k], t), k + " has the wrong type"
                return o[k]
            need(r, "organization-name", str); need(r, "contact-info", str); need(r, "report-id", str)
            dr = need(r, "date-range", dict)
            for k in ("start-datetime", "end-datetime"):
                datetime.datetime.strptime(need(dr, k, str), "%Y-%m-%dT%H:%M:%SZ")
            types = {"starttls-not-supported", "certificate-host-mismatch", "certificate-expired", "certificate-not-trusted",
                     "validation-failure", "tlsa-invalid", "dnssec-invalid", "dane-required", "sts-policy-fetch-error",
                     "sts-policy-invalid", "sts-webpki-invalid"}
            out = []
            for p in need(r, "policies", list):
                pol = need(p, "policy", dict)
                assert need(pol, "policy-type", str) in ("tlsa", "sts", "no-policy-found")
                need(pol, "policy-domain", str)
                for s in pol.get("policy-string", []): assert isinstance(s, str)
                s = need(p, "summary", dict)
                ok = need(s, "total-successful-session-count", int); bad = need(s, "total-failure-session-count", int)
                failed = 0
                for f in p.get("failure-details", []):
                    assert need(f, "result-type", str) in types, f["result-type"]
                    failed += need(f, "failed-session-count", int)
                assert failed == bad, "failure details add up to the summary"
                out.append("%s %s ok=%d fail=%d %s" % (pol["policy-type"], ",".join(pol["mx-host"]), ok, bad,
                           ",".join(f["result-type"] for f in p.get("failure-details", []))))
            print("\\n".join(sorted(out)))
            """;

    @Test
    void sessionsBecomeOneReportPerDomainAfterTheDay() throws Exception {
        AtomicReference<Instant> now = new AtomicReference<>(DAY);
        InstantSource clock = now::get;
        try (EmbeddedStore store = EmbeddedStore.open(dir.resolve("data"), clock)) {
            Map<String, String> dns = Map.of("_smtp._tls.b.test", "v=TLSRPTv1; rua=mailto:tls-reports@b.test,https://b.test/r");
            TlsReporter r = new TlsReporter(store, name -> Optional.ofNullable(dns.get(name)), "mail.a.test", clock);
            var tlsa = List.of("3 1 1 " + "ab".repeat(32));
            for (int i = 0; i < 3; i++) r.record("b.test", new TlsSession("tlsa", tlsa, "mx.b.test", TlsSession.SUCCESS, "192.0.2.1"));
            r.record("b.test", new TlsSession("tlsa", tlsa, "mx.b.test", "tlsa-invalid", "192.0.2.1"));
            r.record("b.test", new TlsSession("no-policy-found", List.of(), "mx2.b.test", "starttls-not-supported", "192.0.2.2"));
            r.record("c.test", new TlsSession("no-policy-found", List.of(), "mx.c.test", TlsSession.SUCCESS, "192.0.2.3"));
            r.flush();
            assertEquals(0, r.sendDue(), "nothing before the day ends");
            now.set(DAY.plusSeconds(86_400));
            assertEquals(1, r.sendDue(), "b.test asks for reports (one mailto: destination), c.test does not");
            assertTrue(store.tlsReports().pending(Long.MAX_VALUE).isEmpty(), "each day is reported once");

            QueueEntry e = store.queue().list().getFirst();
            assertEquals("", e.sender());
            assertEquals(List.of("tls-reports@b.test"), e.recipients());
            String msg;
            try (InputStream in = store.blobs().open(e.blob())) {
                msg = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            }
            String id = "mail.a.test.20793.b.test";
            assertTrue(msg.contains("\r\nSubject: Report Domain: b.test Submitter: mail.a.test Report-ID: <" + id + ">\r\n"), msg);
            assertTrue(msg.contains("\r\nTLS-Report-Domain: b.test\r\nTLS-Report-Submitter: mail.a.test\r\n"), msg);
            assertTrue(msg.contains("Content-Type: multipart/report; report-type=\"tlsrpt\"; boundary="), msg);
            Matcher m = Pattern.compile("Content-Type: application/tlsrpt\\+gzip; name=\"([^\"]+)\"\r\n.*?\r\n\r\n([A-Za-z0-9+/=\r\n]+?)\r\n--",
                    Pattern.DOTALL).matcher(msg);
            assertTrue(m.find(), msg);
            assertEquals("mail.a.test!b.test!1796515200!1796601599!" + Integer.toHexString(id.hashCode()) + ".json.gz", m.group(1),
                    "RFC 8460 §5.3 file name");
            byte[] json;
            try (var z = new GZIPInputStream(new ByteArrayInputStream(Base64.getMimeDecoder().decode(m.group(2))))) {
                json = z.readAllBytes();
            }
            Path f = Files.write(dir.resolve("report.json"), json);
            Process py = new ProcessBuilder("/usr/bin/python3", "-c", CHECK, f.toString()).redirectErrorStream(true).start();
            String out = new String(py.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertEquals(0, py.waitFor(), out);
            assertEquals("no-policy-found mx2.b.test ok=0 fail=1 starttls-not-supported\ntlsa mx.b.test ok=3 fail=1 tlsa-invalid", out);
        }
    }

    @Test
    void failureTextsMapToResultTypes() {
        assertEquals(Optional.of("starttls-not-supported"), TlsSession.failureType("mx does not offer STARTTLS, which the relay settings or MTA-STS require"));
        assertEquals(Optional.of("tlsa-invalid"), TlsSession.failureType("mx [127.0.0.1]: SSLHandshakeException: DANE: no TLSA record of _25._tcp.mx matches the certificate presented"));
        assertEquals(Optional.of("dnssec-invalid"), TlsSession.failureType("4.7.5 DANE: TLSA records of mx did not validate (DNSSEC bogus): x"));
        assertEquals(Optional.of("certificate-host-mismatch"), TlsSession.failureType("mx [1.2.3.4]: SSLHandshakeException: No subject alternative DNS name matching mx found."));
        assertEquals(Optional.of("certificate-not-trusted"), TlsSession.failureType("mx [1.2.3.4]: SSLHandshakeException: PKIX path building failed: x"));
        assertEquals(Optional.of("certificate-expired"), TlsSession.failureType("mx [1.2.3.4]: SSLHandshakeException: PKIX path validation failed: validity check failed"));
        assertEquals(Optional.empty(), TlsSession.failureType("mx [1.2.3.4]: ConnectException: Connection refused"));
        assertEquals(Optional.empty(), TlsSession.failureType("mx: 451 4.3.0 try again later"));
        assertEquals(Optional.empty(), TlsSession.failureType("MTA-STS: mx not in the policy"));
    }

    @Test
    void destinationsAreMailtoAddressesAtMostTwo() {
        assertEquals(List.of("a@b.test", "c@d.test"), TlsReporter.destinations(
                "v=TLSRPTv1; rua=mailto:a@b.test,https://x.test/,mailto:c@d.test,mailto:e@f.test"));
        assertEquals(List.of("a+x@b.test"), TlsReporter.destinations("v=TLSRPTv1;rua=mailto:a%2Bx@b.test"));
        assertEquals(List.of(), TlsReporter.destinations("v=TLSRPTv2; rua=mailto:a@b.test"));
        assertEquals(List.of(), TlsReporter.destinations("v=TLSRPTv1; rua=mailto:not an address"));
        // attacks: a broken %-escape is skipped, not thrown; a huge record is ignored
        assertEquals(List.of("c+d@e.test"), TlsReporter.destinations("v=TLSRPTv1; rua=mailto:a%zz@b.test,mailto:c%2Bd@e.test"));
        assertEquals(List.of(), TlsReporter.destinations("v=TLSRPTv1; rua=mailto:a@b.test," + "x".repeat(1 << 20)));
        assertTrue(TlsSession.decode("a\tb").isEmpty());
        var s = new TlsSession("sts", List.of("version: STSv1", "mode: enforce"), "mx", "success", "");
        assertEquals(Optional.of(s), TlsSession.decode(s.encode()));
    }

    @Test
    void jsonStringsAreEscaped() {
        assertEquals("\"a\\\"b\\\\c\\u000a\"", TlsReport.q("a\"b\\c\n"));
    }
}
