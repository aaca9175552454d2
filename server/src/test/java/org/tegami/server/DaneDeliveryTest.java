package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.queue.dane.Tlsa;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.Account;
import org.tegami.store.MessageMeta;
import org.tegami.store.QueueEntry;
import org.tegami.store.Store;
import org.tegami.testkit.SignedZone;
import org.tegami.testkit.TestDnsServer;
import org.xbill.DNS.Type;

/**
 * DANE for SMTP (RFC 7672) over the wire: A delivers to B (a second Tegami, self-signed certificate) through a
 * DNSSEC-signed test hierarchy whose root key is A's trust anchor. A matching {@code 3 1 1} record: delivered over
 * TLS, also to a host an enforced MTA-STS policy does not name (RFC 8461 §2); a TLSA record for another key, or one whose signature is broken: kept and retried, never sent without the
 * check; a domain below an unsigned delegation: opportunistic TLS as without DANE.
 */
class DaneDeliveryTest {
    static final String OTHER_KEY = "3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    static final String NONE = "submission = []\nsubmissions = []\npop3 = []\npop3s = []\nimap = []\nimaps = []\nmanagesieve = []\n";

    @TempDir
    Path dir;

    private TegamiServer start(String name, String toml) throws Exception {
        Path d = Files.createDirectory(dir.resolve(name));
        Path cfg = d.resolve("tegami.toml");
        Files.writeString(cfg, toml);
        return TegamiServer.start(ConfigLoader.load(cfg), InstantSource.system());
    }

    @Test
    void tlsaRecordsDecideWhetherAndHowMailIsSent() throws Exception {
        try (TestDnsServer dns = new TestDnsServer();
             TegamiServer b = start("b", "hostname = \"mx.good.test\"\n[listen]\nsmtp = [\"127.0.0.1:0\"]\n" + NONE)) {
            X509Certificate cert;
            try (InputStream in = Files.newInputStream(b.config().dataDir().resolve("tls/selfsigned-cert.pem"))) {
                cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            }
            Map<String, Account> users = new TreeMap<>();
            for (String d : List.of("good.test", "wrong.test", "bogus.test", "plain.test", "sts.test")) {
                b.store().accounts().addDomain(d);
                users.put(d, b.store().accounts().addUser(EmailAddress.parse("bob@" + d).orElseThrow(),
                        new PasswordHasher().hash("pw".toCharArray())));
            }
            SignedZone root = new SignedZone(".");
            for (String d : List.of("good.test", "wrong.test", "bogus.test", "sts.test")) {
                root.add(d + ". 300 IN MX 10 mx." + d + ".\nmx." + d + ". 300 IN A 127.0.0.1\n");
            }
            root.add("_25._tcp.mx.good.test. 300 IN TLSA " + Tlsa.daneEe311(cert))
                    .add("_25._tcp.mx.wrong.test. 300 IN TLSA " + OTHER_KEY)
                    // an enforced MTA-STS policy that does not name the MX: DANE takes precedence (RFC 8461 §2)
                    .add("_25._tcp.mx.sts.test. 300 IN TLSA " + Tlsa.daneEe311(cert))
                    .add("_mta-sts.sts.test. 300 IN TXT \"v=STSv1; id=1\"\nmta-sts.sts.test. 300 IN A 127.0.0.1")
                    .add("_25._tcp.mx.bogus.test. 300 IN TLSA " + Tlsa.daneEe311(cert))
                    .corrupt("_25._tcp.mx.bogus.test.", Type.TLSA)
                    .delegateInsecure("plain.test.");
            dns.addZone(root);
            dns.add("plain.test. 300 IN MX 10 mx.plain.test.").add("mx.plain.test. 300 IN A 127.0.0.1")
                    .add("_25._tcp.mx.plain.test. 300 IN TLSA " + OTHER_KEY); // unsigned: must be ignored
            Path anchor = Files.writeString(dir.resolve("anchor.txt"), root.trustAnchor() + "\n");
            var sts = org.tegami.net.tls.TlsContext.selfSigned(dir.resolve("sts"), "mta-sts.sts.test", InstantSource.system());
            Path ca = Files.writeString(dir.resolve("ca.pem"), Files.readString(dir.resolve("sts/tls/selfsigned-cert.pem")));
            try (var policy = OutboundDeliveryTest.policyServer(sts, "version: STSv1\r\nmode: enforce\r\nmx: mail.sts.test\r\nmax_age: 86400\r\n")) {
                String a = "hostname = \"mail.a.test\"\n[listen]\nsmtp = []\n" + NONE
                        + "[dns]\nnameservers = [\"127.0.0.1:" + dns.address().getPort() + "\"]\ntrust_anchor = \"" + anchor + "\"\n"
                        + "[outbound]\nmx_port = " + b.port("smtp") + "\nmta_sts_port = " + policy.getLocalPort() + "\ntls_ca = \"" + ca + "\"\ntls_reports = true\n";
                try (TegamiServer sa = start("a", a)) {
                    for (String d : users.keySet()) enqueue(sa, "bob@" + d);
                    long deadline = System.nanoTime() + 30_000_000_000L;
                    while (System.nanoTime() < deadline && !settled(sa)) Thread.sleep(50);

                    assertEquals(1, inbox(b.store(), users.get("good.test")).size(), "matching 3 1 1: delivered; queue " + sa.store().queue().list());
                    assertTrue(inbox(b.store(), users.get("good.test")).getFirst().contains("with ESMTPS (TLSv1.3"));
                    assertEquals(1, inbox(b.store(), users.get("plain.test")).size(), "insecure zone: opportunistic as before");
                    assertEquals(1, inbox(b.store(), users.get("sts.test")).size(), "DANE host outside an enforced MTA-STS policy: delivered");
                    assertEquals(0, inbox(b.store(), users.get("wrong.test")).size(), "mismatched TLSA: not delivered");
                    assertEquals(0, inbox(b.store(), users.get("bogus.test")).size(), "bogus TLSA: not delivered");

                    Map<String, String> errors = new TreeMap<>();
                    for (QueueEntry e : sa.store().queue().list()) errors.put(e.recipients().getFirst(), e.lastError());
                    assertEquals(List.of("bob@bogus.test", "bob@wrong.test"), List.copyOf(errors.keySet()));
                    assertTrue(errors.get("bob@wrong.test").contains("DANE: no TLSA record of _25._tcp.mx.wrong.test matches the certificate presented"),
                            errors.get("bob@wrong.test"));
                    assertTrue(errors.get("bob@bogus.test").startsWith("4.7.5 DANE: TLSA records of mx.bogus.test did not validate (DNSSEC bogus)"),
                            errors.get("bob@bogus.test"));
                }
                // RFC 8460: each session counted for the day's TLS report, by policy type and result (saved at close)
                long day = java.time.Instant.now().getEpochSecond() / 86_400;
                try (var st = org.tegami.store.embedded.EmbeddedStore.open(dir.resolve("a/data"), InstantSource.system())) {
                    Map<String, java.util.Set<String>> results = new TreeMap<>();
                    for (String d : users.keySet()) {
                        for (String row : st.tlsReports().rows(d, day).keySet()) {
                            var s = org.tegami.queue.tlsrpt.TlsSession.decode(row).orElseThrow();
                            results.computeIfAbsent(d, k -> new java.util.TreeSet<>()).add(s.policyType() + " " + s.result());
                        }
                    }
                    assertEquals(Map.of("good.test", java.util.Set.of("tlsa success"), "wrong.test", java.util.Set.of("tlsa tlsa-invalid"),
                            "bogus.test", java.util.Set.of("tlsa dnssec-invalid"), "plain.test", java.util.Set.of("no-policy-found success"),
                            "sts.test", java.util.Set.of("tlsa success")), results);
                }
            }
        }
    }

    /** {@code [dns] dane} and {@code trust_anchor}: the root's keys by default, a file checked at startup, or off. */
    @Test
    void trustAnchorSettingsAreCheckedAtStartup() throws Exception {
        Path cfg = dir.resolve("tegami.toml");
        Files.writeString(cfg, "hostname = \"mail.a.test\"\n");
        assertEquals(java.util.Optional.of(org.tegami.queue.dane.DnssecResolver.ROOT_ANCHORS), ConfigLoader.load(cfg).dnssecAnchors());
        Files.writeString(cfg, "hostname = \"mail.a.test\"\n[dns]\ndane = false\n");
        assertTrue(ConfigLoader.load(cfg).dnssecAnchors().isEmpty());
        String anchor = new SignedZone(".").trustAnchor();
        Files.writeString(dir.resolve("ok.txt"), anchor + "\n");
        Files.writeString(cfg, "hostname = \"mail.a.test\"\n[dns]\ntrust_anchor = \"ok.txt\"\n");
        assertEquals(java.util.Optional.of(anchor + "\n"), ConfigLoader.load(cfg).dnssecAnchors());
        Files.writeString(dir.resolve("a.txt"), ". 300 IN A 192.0.2.1\n");
        for (String[] c : new String[][] {{"a.txt", "only DS and DNSKEY records may be trust anchors"},
                {"missing.txt", "cannot read the trust anchor file"}}) {
            Files.writeString(cfg, "hostname = \"mail.a.test\"\n[dns]\ntrust_anchor = \"" + c[0] + "\"\n");
            var e = org.junit.jupiter.api.Assertions.assertThrows(org.tegami.core.TegamiException.class, () -> ConfigLoader.load(cfg));
            assertTrue(e.getMessage().startsWith(cfg + ":3: dns.trust_anchor: ") && e.getMessage().contains(c[1]), e.getMessage());
        }
    }

    /** The three deliverable messages delivered and both others tried at least once. */
    private static boolean settled(TegamiServer sa) {
        List<QueueEntry> q = sa.store().queue().list();
        return q.size() == 2 && q.stream().allMatch(e -> e.attempts() > 0);
    }

    private static void enqueue(TegamiServer sa, String rcpt) throws Exception {
        byte[] msg = ("From: <alice@a.test>\r\nTo: <" + rcpt + ">\r\nSubject: dane\r\n\r\nhi\r\n").getBytes(StandardCharsets.US_ASCII);
        try (var w = sa.store().blobs().create()) {
            w.stream().write(msg);
            sa.store().mail().deliver(new org.tegami.store.DeliveryRequest(w.commit(), msg.length, java.time.Instant.now(),
                    java.util.Set.of(), java.util.Optional.of(new org.tegami.store.DeliveryRequest.Outbound("alice@a.test", List.of(rcpt), 0))));
        }
    }

    private static List<String> inbox(Store s, Account a) throws Exception {
        var inbox = s.mail().mailbox(a.id(), "INBOX").orElseThrow();
        List<String> out = new ArrayList<>();
        for (MessageMeta m : s.mail().messages(inbox.id())) {
            try (InputStream in = s.blobs().open(m.blob())) {
                out.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return out;
    }
}
