package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.Account;
import org.tegami.store.MessageMeta;
import org.tegami.store.Store;
import org.tegami.testkit.TestDnsServer;

/**
 * Two Tegami instances on loopback: alice@a.test submits to A, A looks up b.test's MX in a test DNS server and
 * delivers to B; recipients B refuses, and a null-MX domain, come back to alice as one bounce (RFC 3464).
 */
class OutboundDeliveryTest {
    @TempDir
    Path dir;

    private TegamiServer start(String name, String toml) throws Exception {
        Path d = Files.createDirectory(dir.resolve(name));
        Path cfg = d.resolve("tegami.toml");
        Files.writeString(cfg, toml);
        return TegamiServer.start(ConfigLoader.load(cfg), InstantSource.system());
    }

    private static Account user(TegamiServer s, String domain, String address, String password) {
        s.store().accounts().addDomain(domain);
        return s.store().accounts().addUser(EmailAddress.parse(address).orElseThrow(), new PasswordHasher().hash(password.toCharArray()));
    }

    /** alice@a.test sends through A's submission port with Angus Mail: STARTTLS required, then AUTH. */
    private static void submit(TegamiServer a, String to, String subject, String text) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", Integer.toString(a.port("submission")));
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.starttls.enable", "true");
        p.put("mail.smtp.starttls.required", "true");
        p.put("mail.smtp.ssl.trust", "*");
        p.put("mail.smtp.ssl.checkserveridentity", "false");
        MimeMessage m = new MimeMessage(Session.getInstance(p));
        m.setFrom(new InternetAddress("alice@a.test"));
        m.setRecipients(Message.RecipientType.TO, to);
        m.setSubject(subject);
        m.setText(text);
        m.setSentDate(new java.util.Date());
        Transport.send(m, "alice@a.test", "alice-password");
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

    @Test
    void submittedMailReachesTheOtherServerAndFailuresBounce() throws Exception {
        String none = "submission = []\nsubmissions = []\npop3 = []\npop3s = []\nimap = []\nimaps = []\nmanagesieve = []\nmetrics = []\n";
        try (TestDnsServer dns = new TestDnsServer();
             TegamiServer b = start("b", "hostname = \"mx.b.test\"\n[listen]\nsmtp = [\"127.0.0.1:0\"]\n" + none)) {
            dns.add("b.test. 300 IN MX 10 mx.b.test.").add("mx.b.test. 300 IN A 127.0.0.1")
                    .add("nomail.test. 300 IN MX 0 .");
            Account bob = user(b, "b.test", "bob@b.test", "bob-password");
            String a = "hostname = \"mail.a.test\"\n[listen]\nsmtp = []\nsubmission = [\"127.0.0.1:0\"]\nsubmissions = []\n"
                    + "pop3 = []\npop3s = []\nimap = []\nimaps = []\nmanagesieve = []\nmetrics = []\n[dns]\nnameservers = [\"127.0.0.1:" + dns.address().getPort() + "\"]\n"
                    + "[outbound]\nmx_port = " + b.port("smtp") + "\n";
            try (TegamiServer sa = start("a", a)) {
                Account alice = user(sa, "a.test", "alice@a.test", "alice-password");
                var dkimKeys = new org.tegami.mailauth.dkim.DkimKeys(sa.config().dataDir()).generate("a.test");
                submit(sa, "bob@b.test, ghost@b.test, x@nomail.test", "across servers", "Hello Bob.\n.leading dot\n");

                long deadline = System.nanoTime() + 20_000_000_000L;
                while (System.nanoTime() < deadline && (inbox(b.store(), bob).isEmpty() || inbox(sa.store(), alice).isEmpty())) {
                    Thread.sleep(100);
                }
                List<String> atB = inbox(b.store(), bob);
                assertEquals(1, atB.size(), "bob got the message once");
                String got = atB.getFirst();
                assertTrue(got.startsWith("Return-Path: <alice@a.test>\r\nReceived: from mail.a.test ([127.0.0.1])\r\n\tby mx.b.test (Tegami) with ESMTPS (TLSv1.3"), got);
                assertTrue(got.contains("\r\nReceived: from "), "A's own Received line travels on");
                assertTrue(got.contains("Subject: across servers\r\n") && got.contains("\r\n.leading dot\r\n"), got);
                assertTrue(!got.substring(1).contains("Return-Path: <alice@a.test>\r\nReceived: from mail.a.test"),
                        "A's local Return-Path line is not sent on");
                assertTrue(got.contains("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=a.test; s=" + dkimKeys.get(0).selector()), got);
                assertTrue(got.contains("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=a.test; s=" + dkimKeys.get(1).selector()), got);
                Path received = dir.resolve("received.eml");
                Files.writeString(received, got);
                // Publish the keys in the test DNS server and let dkimpy look them up there, as a receiver would.
                for (var k : dkimKeys) {
                    String rec = k.dnsRecord();
                    StringBuilder quoted = new StringBuilder();
                    for (int i = 0; i < rec.length(); i += 250) quoted.append(" \"").append(rec, i, Math.min(rec.length(), i + 250)).append('"');
                    dns.add(k.dnsName() + ". 300 IN TXT" + quoted);
                }
                String verify = """
                        import dkim, sys, dns.resolver
                        r = dns.resolver.Resolver(configure=False)
                        r.nameservers = ["127.0.0.1"]
                        r.port = int(sys.argv[2])
                        def txt(name, timeout=5):
                            return b"".join(r.resolve(name.decode(), "TXT")[0].strings)
                        d = dkim.DKIM(open(sys.argv[1], "rb").read())
                        print(d.verify(idx=0, dnsfunc=txt), d.verify(idx=1, dnsfunc=txt))
                        """;
                Process py = new ProcessBuilder("/usr/bin/python3", "-c", verify, received.toString(),
                        Integer.toString(dns.address().getPort())).redirectErrorStream(true).start();
                String verdict = new String(py.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                assertEquals("True True", verdict, "dkimpy verifies both signatures of the delivered message");

                List<String> bounces = inbox(sa.store(), alice);
                assertEquals(1, bounces.size(), "one bounce for both failures");
                String dsn = bounces.getFirst();
                assertTrue(dsn.startsWith("Return-Path: <>\r\nFrom: Mail Delivery System <MAILER-DAEMON@mail.a.test>\r\n"), dsn);
                assertTrue(dsn.contains("Content-Type: multipart/report; report-type=delivery-status;"), dsn);
                assertTrue(dsn.contains("Final-Recipient: rfc822; ghost@b.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
                        + "Remote-MTA: dns; mx.b.test\r\nDiagnostic-Code: smtp; 550 5.1.1 Recipient address rejected: user unknown"), dsn);
                assertTrue(dsn.contains("Final-Recipient: rfc822; x@nomail.test\r\nAction: failed\r\nStatus: 5.1.2\r\n"), dsn);
                assertTrue(dsn.contains("Subject: across servers"), "original headers included");
                deadline = System.nanoTime() + 30_000_000_000L;
                while (System.nanoTime() < deadline && !sa.store().queue().list().isEmpty()) Thread.sleep(50);
                assertEquals(List.of(), sa.store().queue().list(), "nothing left to retry");
            }
        }
    }

    @Test
    void smarthostGetsEverythingOverVerifiedTlsWithLogin() throws Exception {
        String none = "smtp = []\nsubmissions = []\npop3 = []\npop3s = []\nimap = []\nimaps = []\nmanagesieve = []\nmetrics = []\n";
        try (TegamiServer relay = start("relay", "hostname = \"localhost\"\n[listen]\nsubmission = [\"127.0.0.1:0\"]\n" + none)) {
            Account bob = user(relay, "b.test", "bob@b.test", "bob-password");
            user(relay, "a.test", "relay@a.test", "relay-password");
            relay.store().accounts().putAlias("alice@a.test", List.of("relay@a.test")); // the relay lets this login send as alice
            Path ca = relay.config().dataDir().resolve("tls/selfsigned-cert.pem");
            String a = "hostname = \"mail.a.test\"\n[listen]\nsmtp = []\nsubmission = [\"127.0.0.1:0\"]\nsubmissions = []\n"
                    + "pop3 = []\npop3s = []\nimap = []\nimaps = []\nmanagesieve = []\nmetrics = []\n[outbound]\ntls_ca = \"" + ca + "\"\n"
                    // a.test's own provider; other senders would go to the MX hosts directly
                    + "[outbound.relay_for.\"a.test\"]\nrelay = \"localhost:" + relay.port("submission") + "\"\n"
                    + "relay_username = \"relay@a.test\"\nrelay_password = \"relay-password\"\n";
            try (TegamiServer sa = start("a2", a)) {
                user(sa, "a.test", "alice@a.test", "alice-password");
                submit(sa, "bob@b.test", "via the relay", "relayed");
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (System.nanoTime() < deadline && inbox(relay.store(), bob).isEmpty()) Thread.sleep(100);
                List<String> got = inbox(relay.store(), bob);
                assertEquals(1, got.size(), "delivered through the relay; queue: " + sa.store().queue().list());
                assertTrue(got.getFirst().contains("with ESMTPSA (TLSv1.3"), "the relay saw TLS and a login: " + got.getFirst());
            }
        }
    }

    /** An HTTPS server that answers every request with one MTA-STS policy (RFC 8461 §3.3). */
    static java.net.ServerSocket policyServer(org.tegami.net.tls.TlsContext tls, String policy) throws Exception {
        var ss = new java.net.ServerSocket(0, 10, java.net.InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!ss.isClosed()) {
                try (var s = tls.wrapServer(ss.accept())) {
                    s.startHandshake();
                    var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                    for (String l; (l = in.readLine()) != null && !l.isEmpty(); ) { }
                    byte[] body = policy.getBytes(StandardCharsets.US_ASCII);
                    s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                            + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().write(body);
                } catch (Exception e) {
                    // next request
                }
            }
        });
        return ss;
    }

    /** Every listener but port 25 off; every listener but submission off. */
    private static final String NONE = "submission = []\nsubmissions = []\npop3 = []\npop3s = []\nimap = []\nimaps = []\nmanagesieve = []\n";
    private static final String NO_INBOUND = "submissions = []\npop3 = []\npop3s = []\nimap = []\nimaps = []\nmanagesieve = []\n";

    /** Sender A: submission only, DNS from the test server, B's port as every MX's, the MTA-STS port and CA file. */
    private static String senderA(TestDnsServer dns, TegamiServer b, int stsPort, Path ca) {
        return "hostname = \"mail.a.test\"\n[listen]\nsmtp = []\nsubmission = [\"127.0.0.1:0\"]\n" + NO_INBOUND
                + "[dns]\nnameservers = [\"127.0.0.1:" + dns.address().getPort() + "\"]\n[outbound]\nmx_port = "
                + b.port("smtp") + "\nmta_sts_port = " + stsPort + "\ntls_ca = \"" + ca + "\"\n";
    }

    @Test
    void mtaStsEnforceDeliversOnlyToPolicyHostsOverVerifiedTls() throws Exception {
        var clock = InstantSource.system();
        try (TestDnsServer dns = new TestDnsServer();
             TegamiServer b = start("b3", "hostname = \"mx.b.test\"\n[listen]\nsmtp = [\"127.0.0.1:0\"]\n" + NONE)) {
            Account bob = user(b, "b.test", "bob@b.test", "bob-password");
            var stsB = org.tegami.net.tls.TlsContext.selfSigned(dir.resolve("stsb"), "mta-sts.b.test", clock);
            try (var pb = policyServer(stsB, "version: STSv1\r\nmode: enforce\r\nmx: mx.b.test\r\nmax_age: 86400\r\n")) {
                dns.add("b.test. 300 IN MX 10 mx.b.test.")
                        .add("mx.b.test. 300 IN A 127.0.0.1").add("mta-sts.b.test. 300 IN A 127.0.0.1")
                        .add("_mta-sts.b.test. 300 IN TXT \"v=STSv1; id=20261128\"");
                Path ca = dir.resolve("ca.pem");
                Files.writeString(ca, Files.readString(b.config().dataDir().resolve("tls/selfsigned-cert.pem"))
                        + Files.readString(dir.resolve("stsb/tls/selfsigned-cert.pem")));
                String a = senderA(dns, b, pb.getLocalPort(), ca);
                try (TegamiServer sa = start("a3", a)) {
                    enqueue(sa, "bob@b.test");
                    long deadline = System.nanoTime() + 20_000_000_000L;
                    while (System.nanoTime() < deadline && inbox(b.store(), bob).isEmpty()) Thread.sleep(50);
                    assertEquals(1, inbox(b.store(), bob).size(), "policy MX with a valid certificate: delivered; queue "
                            + sa.store().queue().list());
                    assertTrue(inbox(b.store(), bob).getFirst().contains("with ESMTPS (TLSv1.3"));
                }
            }
            // Now the policy names a host that is not the MX: enforce mode must refuse to deliver (and keep the mail).
            try (var pb = policyServer(stsB, "version: STSv1\r\nmode: enforce\r\nmx: mail.b.test\r\nmax_age: 86400\r\n")) {
                Path ca = dir.resolve("ca.pem");
                String a = senderA(dns, b, pb.getLocalPort(), ca);
                try (TegamiServer sa = start("a4", a)) {
                    enqueue(sa, "bob@b.test");
                    long deadline = System.nanoTime() + 20_000_000_000L;
                    while (System.nanoTime() < deadline && (sa.store().queue().list().isEmpty()
                            || sa.store().queue().list().getFirst().attempts() == 0)) {
                        Thread.sleep(50);
                    }
                    var e = sa.store().queue().list().getFirst();
                    assertEquals("MTA-STS: no MX host of b.test matches its policy [mail.b.test]", e.lastError());
                    assertEquals(1, inbox(b.store(), bob).size(), "nothing more was delivered");
                }
            }
        }
    }

    /**
     * RFC 8461 §5.1: a policy learned before a restart is still enforced after it, even when the policy host cannot
     * be reached then (an attacker blocking the fetch must not get a downgrade window from our restart).
     */
    @Test
    void mtaStsPolicyOutlivesARestart() throws Exception {
        var clock = InstantSource.system();
        try (TestDnsServer dns = new TestDnsServer();
             TegamiServer b = start("b5", "hostname = \"mx.b.test\"\n[listen]\nsmtp = [\"127.0.0.1:0\"]\n" + NONE)) {
            Account bob = user(b, "b.test", "bob@b.test", "bob-password");
            var stsB = org.tegami.net.tls.TlsContext.selfSigned(dir.resolve("stsb5"), "mta-sts.b.test", clock);
            dns.add("b.test. 300 IN MX 10 mx.b.test.")
                    .add("mx.b.test. 300 IN A 127.0.0.1").add("mta-sts.b.test. 300 IN A 127.0.0.1")
                    .add("_mta-sts.b.test. 300 IN TXT \"v=STSv1; id=20261206\"");
            Path ca = dir.resolve("ca5.pem");
            Files.writeString(ca, Files.readString(b.config().dataDir().resolve("tls/selfsigned-cert.pem"))
                    + Files.readString(dir.resolve("stsb5/tls/selfsigned-cert.pem")));
            int policyPort;
            Path dataA = Files.createDirectory(dir.resolve("a5"));
            Path cfgA = dataA.resolve("tegami.toml");
            try (var pb = policyServer(stsB, "version: STSv1\r\nmode: enforce\r\nmx: mail.b.test\r\nmax_age: 86400\r\n")) {
                policyPort = pb.getLocalPort();
                Files.writeString(cfgA, senderA(dns, b, policyPort, ca));
                try (TegamiServer sa = TegamiServer.start(ConfigLoader.load(cfgA), clock)) {
                    enqueue(sa, "bob@b.test");
                    awaitAttempt(sa);
                    assertEquals("MTA-STS: no MX host of b.test matches its policy [mail.b.test]",
                            sa.store().queue().list().getFirst().lastError());
                    sa.store().queue().list().forEach(e -> sa.store().queue().remove(e.id()));
                }
            }
            // the policy host is gone now; the restarted server still knows the policy from its data directory
            assertTrue(Files.readString(dataA.resolve("data/mta-sts-cache")).startsWith("b.test\t20261206\t"));
            try (TegamiServer sa = TegamiServer.start(ConfigLoader.load(cfgA), clock)) {
                enqueue(sa, "bob@b.test");
                awaitAttempt(sa);
                assertEquals("MTA-STS: no MX host of b.test matches its policy [mail.b.test]",
                        sa.store().queue().list().getFirst().lastError());
                assertEquals(0, inbox(b.store(), bob).size(), "never delivered against the policy");
            }
        }
    }

    private static void awaitAttempt(TegamiServer sa) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline && (sa.store().queue().list().isEmpty()
                || sa.store().queue().list().getFirst().attempts() == 0)) {
            Thread.sleep(50);
        }
    }

    private static void enqueue(TegamiServer sa, String rcpt) throws Exception {
        byte[] msg = ("From: <alice@a.test>\r\nTo: <" + rcpt + ">\r\nSubject: sts\r\n\r\nhi\r\n").getBytes(StandardCharsets.US_ASCII);
        try (var w = sa.store().blobs().create()) {
            w.stream().write(msg);
            sa.store().mail().deliver(new org.tegami.store.DeliveryRequest(w.commit(), msg.length, java.time.Instant.now(),
                    java.util.Set.of(), java.util.Optional.of(new org.tegami.store.DeliveryRequest.Outbound("alice@a.test", List.of(rcpt), 0))));
        }
    }
}
