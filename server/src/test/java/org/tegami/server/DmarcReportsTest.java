package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.Account;
import org.tegami.store.MessageMeta;
import org.tegami.testkit.TestDnsServer;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * DMARC aggregate reports (RFC 7489 §7.2) over the wire: instance A receives mail from a.test on port 25 (SPF passing
 * from 127.0.0.1, failing from 127.0.0.2), its day ends, and the report reaches the rua= mailbox on instance R as a
 * gzip'd XML attachment with the right counts; a second rua= destination in another domain that did not authorise
 * reports (RFC 7489 §7.1) gets nothing.
 */
class DmarcReportsTest {
    @TempDir
    Path dir;

    static String send(InetAddress from, int port, String mailFrom, String rcpt, String message) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port, from, 0)) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            AbuseDefencesTest.reply(in);
            for (String cmd : List.of("EHLO client.a.test", "MAIL FROM:<" + mailFrom + ">", "RCPT TO:<" + rcpt + ">", "DATA")) {
                out.write((cmd + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String r = AbuseDefencesTest.reply(in);
                if (r.charAt(0) != '2' && r.charAt(0) != '3') return r;
            }
            out.write((message + ".\r\nQUIT\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return AbuseDefencesTest.reply(in);
        }
    }

    private TegamiServer start(String name, String toml, InstantSource clock) throws Exception {
        Path d = Files.createDirectory(dir.resolve(name));
        Path cfg = d.resolve("tegami.toml");
        Files.writeString(cfg, toml);
        return TegamiServer.start(ConfigLoader.load(cfg), clock);
    }

    private static Account user(TegamiServer s, String domain, String address) {
        s.store().accounts().addDomain(domain);
        return s.store().accounts().addUser(EmailAddress.parse(address).orElseThrow(), new PasswordHasher().hash("pw".toCharArray()));
    }

    @Test
    void reportsReachTheDomainThatAsksAndNobodyElse() throws Exception {
        String onlySmtp = "[listen]\nsmtp = [\"127.0.0.1:0\"]\nsubmission = []\nsubmissions = []\npop3 = []\npop3s = []\nimap = []\nimaps = []\nmanagesieve = []\nmetrics = []\n";
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-06T10:00:00Z"));
        try (TestDnsServer dns = new TestDnsServer()) {
            String resolver = "[dns]\nnameservers = [\"127.0.0.1:" + dns.address().getPort() + "\"]\n";
            dns.add("a.test. 300 IN TXT \"v=spf1 ip4:127.0.0.1 -all\"")
                    .add("_dmarc.a.test. 300 IN TXT \"v=DMARC1; p=none; rua=mailto:dmarc@reports.test,mailto:agg@elsewhere.test\"")
                    .add("a.test._report._dmarc.reports.test. 300 IN TXT \"v=DMARC1\"")
                    .add("reports.test. 300 IN MX 10 mx.reports.test.").add("mx.reports.test. 300 IN A 127.0.0.1")
                    .add("elsewhere.test. 300 IN MX 10 mx.reports.test.");
            try (TegamiServer r = start("r", "hostname = \"mx.reports.test\"\n" + onlySmtp + resolver, InstantSource.system())) {
                Account dmarc = user(r, "reports.test", "dmarc@reports.test");
                user(r, "elsewhere.test", "agg@elsewhere.test");
                String a = "hostname = \"mx.b.test\"\n" + onlySmtp + resolver + "[outbound]\nmx_port = " + r.port("smtp") + "\n"
                        + "[inbound]\ndmarc_reports = true\n";
                try (TegamiServer sa = start("a", a, now::get)) {
                    user(sa, "b.test", "bob@b.test");
                    String msg = "From: Alice <alice@a.test>\r\nTo: bob@b.test\r\nSubject: hello\r\nMessage-ID: <%d@a.test>\r\n\r\nHi Bob.\r\n";
                    InetAddress good = InetAddress.getByName("127.0.0.1"), bad = InetAddress.getByName("127.0.0.2");
                    for (int i = 0; i < 2; i++) {
                        String reply = send(good, sa.port("smtp"), "alice@a.test", "bob@b.test", msg.formatted(i));
                        assertTrue(reply.startsWith("250 2.0.0"), reply);
                    }
                    String forged = send(bad, sa.port("smtp"), "alice@a.test", "bob@b.test", msg.formatted(9));
                    assertTrue(forged.startsWith("250 2.0.0"), "p=none: delivered all the same; " + forged);

                    now.set(Instant.parse("2026-12-07T00:05:00Z")); // the day is over
                    List<MessageMeta> got = List.of();
                    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    var inbox = r.store().mail().mailbox(dmarc.id(), "INBOX").orElseThrow();
                    while (got.isEmpty() && System.nanoTime() < deadline) {
                        Thread.sleep(200);
                        got = r.store().mail().messages(inbox.id());
                    }
                    assertEquals(1, got.size(), "one report for a.test's day");
                    MimeMessage report;
                    try (InputStream in = r.store().blobs().open(got.getFirst().content())) {
                        report = new MimeMessage(Session.getInstance(new Properties()), in);
                    }
                    String day = String.valueOf(Instant.parse("2026-12-06T00:00:00Z").getEpochSecond());
                    String end = String.valueOf(Instant.parse("2026-12-06T23:59:59Z").getEpochSecond());
                    assertEquals("Report Domain: a.test Submitter: mx.b.test Report-ID: <mx.b.test.20793.a.test>", report.getSubject());
                    assertEquals("mx.b.test DMARC reports <noreply-dmarc@mx.b.test>", report.getHeader("From")[0]);
                    assertEquals("auto-generated", report.getHeader("Auto-Submitted")[0]);
                    Part gz = ((Multipart) report.getContent()).getBodyPart(1);
                    assertEquals("mx.b.test!a.test!" + day + "!" + end + ".xml.gz", gz.getFileName());
                    assertTrue(gz.getContentType().startsWith("application/gzip"), gz.getContentType());
                    byte[] xml;
                    try (InputStream in = new GZIPInputStream(gz.getInputStream())) {
                        xml = in.readAllBytes();
                    }
                    Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(xml));
                    assertEquals("a.test", d.getElementsByTagName("domain").item(0).getTextContent());
                    assertEquals("none", d.getElementsByTagName("p").item(0).getTextContent());
                    NodeList records = d.getElementsByTagName("record");
                    assertEquals(2, records.getLength(), new String(xml, StandardCharsets.UTF_8));
                    Element passing = (Element) records.item(0), failing = (Element) records.item(1);
                    assertEquals("127.0.0.1", text(passing, "source_ip"));
                    assertEquals("2", text(passing, "count"));
                    assertEquals("pass", text(passing, "spf")); // policy_evaluated: aligned SPF pass
                    assertEquals("fail", text(passing, "dkim")); // no signature
                    assertEquals("127.0.0.2", text(failing, "source_ip"));
                    assertEquals("1", text(failing, "count"));
                    assertEquals("none", text(failing, "disposition"));
                    assertEquals("fail", text(failing, "spf"));
                    assertEquals("a.test", text(failing, "header_from"));
                    // the auth_results part: SPF of MAIL FROM, failed
                    Element spf = (Element) failing.getElementsByTagName("auth_results").item(0);
                    assertEquals("fail", ((Element) spf.getElementsByTagName("spf").item(0)).getElementsByTagName("result").item(0).getTextContent());

                    // elsewhere.test never agreed to receive a.test's reports: nothing queued for it, nothing arrived
                    Account agg = r.store().accounts().user(EmailAddress.parse("agg@elsewhere.test").orElseThrow()).orElseThrow();
                    assertEquals(0, r.store().mail().messages(r.store().mail().mailbox(agg.id(), "INBOX").orElseThrow().id()).size());
                    assertTrue(sa.store().queue().list().stream().noneMatch(e -> e.recipients().toString().contains("elsewhere")));
                    assertTrue(sa.store().dmarcReports().pending(Long.MAX_VALUE).isEmpty(), "sent once: the day's data is gone");
                }
            }
        }
    }

    private static String text(Element e, String tag) {
        return e.getElementsByTagName(tag).item(0).getTextContent();
    }
}
