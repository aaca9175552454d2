package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.net.tls.TlsContext;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.Account;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.EnvelopeParams;
import org.tegami.store.MessageMeta;
import org.tegami.store.Store;
import org.tegami.testkit.DsnReader;
import org.tegami.testkit.TestDnsServer;

/**
 * REQUIRETLS (RFC 8689 §4.2.1) outbound from Tegami A: only to an MX host whose name is authenticated (here by an
 * MTA-STS policy, in testing mode), over TLS with a certificate verified for that name, that offers REQUIRETLS, with
 * the parameter relayed; any other path bounces at once with 5.7.30 (§5). Against a second Tegami and a scripted
 * loopback peer whose STARTTLS certificate and REQUIRETLS offer each test chooses. {@code TLS-Required: No}
 * (§4.2.2) gets past an MTA-STS policy that would hold the message.
 */
class RequireTlsDeliveryTest {
    private static final String NO_INBOUND = "smtp = []\nsubmissions = []\npop3 = []\npop3s = []\nimap = []\nimaps = []\nmanagesieve = []\nmetrics = []\n";

    @TempDir
    Path dir;

    /** A STARTTLS peer for mx.b.test: offers REQUIRETLS after TLS or not; records every command. */
    private static final class Peer implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        final List<String> commands = new CopyOnWriteArrayList<>();

        Peer(TlsContext tls, boolean requireTls) throws Exception {
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try (Socket plain = server.accept()) {
                        session(plain, tls, requireTls);
                    } catch (Exception e) {
                        // next session
                    }
                }
            });
        }

        private void session(Socket plain, TlsContext tls, boolean requireTls) throws Exception {
            Socket s = plain;
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            out.write("220 mx.b.test ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
            boolean secure = false;
            for (String line; (line = in.readLine()) != null; ) {
                commands.add(line);
                String verb = line.length() >= 4 ? line.substring(0, 4) : line;
                String reply = switch (verb) {
                    case "EHLO" -> secure ? "250-mx.b.test\r\n" + (requireTls ? "250 REQUIRETLS\r\n" : "250 8BITMIME\r\n")
                            : "250-mx.b.test\r\n250 STARTTLS\r\n";
                    case "STAR" -> "220 2.0.0 go ahead\r\n";
                    case "MAIL", "RSET" -> "250 2.1.0 ok\r\n";
                    case "RCPT" -> "250 2.1.5 ok\r\n";
                    case "DATA" -> "354 go\r\n";
                    case "QUIT" -> "221 bye\r\n";
                    default -> "500 what\r\n";
                };
                out.write(reply.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                if (verb.equals("STAR")) {
                    var ssl = tls.wrapServer(s);
                    ssl.startHandshake();
                    s = ssl;
                    in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                    out = s.getOutputStream();
                    secure = true;
                } else if (verb.equals("DATA")) {
                    for (String l; (l = in.readLine()) != null && !l.equals("."); ) { }
                    out.write("250 2.0.0 stored\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } else if (verb.equals("QUIT")) {
                    return;
                }
            }
        }

        @Override
        public void close() throws Exception {
            server.close();
        }
    }

    private TegamiServer start(String name, String toml) throws Exception {
        Path d = Files.createDirectory(dir.resolve(name));
        Path cfg = d.resolve("tegami.toml");
        Files.writeString(cfg, toml);
        return TegamiServer.start(ConfigLoader.load(cfg), InstantSource.system());
    }

    private static Account user(TegamiServer s, String domain, String address) {
        s.store().accounts().addDomain(domain);
        return s.store().accounts().addUser(EmailAddress.parse(address).orElseThrow(), new PasswordHasher().hash("pw".toCharArray()));
    }

    private static List<byte[]> inbox(Store s, Account a) {
        List<byte[]> out = new ArrayList<>();
        for (MessageMeta m : s.mail().messages(s.mail().mailbox(a.id(), "INBOX").orElseThrow().id())) {
            try (InputStream in = s.blobs().open(m.blob())) {
                out.add(in.readAllBytes());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return out;
    }

    private static void await(String what, BooleanSupplier done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting: " + what);
            Thread.sleep(50);
        }
    }

    /** Queues a message from alice@a.test to bob@b.test with these parameters, as submission would. */
    private static void enqueue(TegamiServer a, EnvelopeParams.Tls tls) throws Exception {
        byte[] msg = "From: <alice@a.test>\r\nTo: <bob@b.test>\r\nSubject: confidential\r\n\r\nthe secret text\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        try (var w = a.store().blobs().create()) {
            w.stream().write(msg);
            a.store().mail().deliver(new DeliveryRequest(w.commit(), msg.length, java.time.Instant.now(), Set.of(),
                    Optional.of(new DeliveryRequest.Outbound("alice@a.test", List.of("bob@b.test"), 0)
                            .withParams(EnvelopeParams.NONE.withTls(tls)))));
        }
    }

    /** DNS for b.test; with {@code sts} the records that point to an MTA-STS policy. */
    private static TestDnsServer dns(boolean sts) throws Exception {
        TestDnsServer dns = new TestDnsServer().add("b.test. 300 IN MX 10 mx.b.test.").add("mx.b.test. 300 IN A 127.0.0.1");
        if (sts) {
            dns.add("mta-sts.b.test. 300 IN A 127.0.0.1").add("_mta-sts.b.test. 300 IN TXT \"v=STSv1; id=1\"");
        }
        return dns;
    }

    private String senderA(String name, TestDnsServer dns, int mxPort, int stsPort, Path ca) throws Exception {
        return "hostname = \"mail.a.test\"\n[listen]\nsubmission = [\"127.0.0.1:0\"]\n" + NO_INBOUND
                + "[dns]\nnameservers = [\"127.0.0.1:" + dns.address().getPort() + "\"]\n[outbound]\nmx_port = " + mxPort
                + "\nmta_sts_port = " + stsPort + "\ntls_ca = \"" + ca + "\"\n";
    }

    private Path ca(String name, Path... certs) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (Path c : certs) sb.append(Files.readString(c));
        Path ca = dir.resolve(name);
        Files.writeString(ca, sb.toString());
        return ca;
    }

    @Test
    void reachesAnotherTegamiOverVerifiedTlsWhenThePolicyNamesItsMx() throws Exception {
        InstantSource clock = InstantSource.system();
        try (TestDnsServer dns = dns(true);
             TegamiServer b = start("b", "hostname = \"mx.b.test\"\n[listen]\nsmtp = [\"127.0.0.1:0\"]\nsubmission = []\n"
                     + "submissions = []\npop3 = []\npop3s = []\nimap = []\nimaps = []\nmanagesieve = []\nmetrics = []\n")) {
            Account bob = user(b, "b.test", "bob@b.test");
            TlsContext stsTls = TlsContext.selfSigned(dir.resolve("sts"), "mta-sts.b.test", clock);
            // testing mode: MTA-STS itself would not insist, but it authenticates the MX name for REQUIRETLS
            try (var sts = OutboundDeliveryTest.policyServer(stsTls, "version: STSv1\r\nmode: testing\r\nmx: mx.b.test\r\nmax_age: 86400\r\n");
                 TegamiServer a = start("a", senderA("a", dns, b.port("smtp"), sts.getLocalPort(),
                         ca("ca.pem", b.config().dataDir().resolve("tls/selfsigned-cert.pem"), dir.resolve("sts/tls/selfsigned-cert.pem"))))) {
                user(a, "a.test", "alice@a.test");
                enqueue(a, EnvelopeParams.Tls.REQUIRED);
                await("bob's copy", () -> inbox(b.store(), bob).size() == 1);
                String got = new String(inbox(b.store(), bob).getFirst(), StandardCharsets.UTF_8);
                assertTrue(got.contains("with ESMTPS (TLSv1.3") && got.contains("the secret text"), got);
                await("A's queue empty", () -> a.store().queue().list().isEmpty());
            }
        }
    }

    /** Runs one REQUIRETLS (or relaxed) message from A against the scripted peer; returns alice's notices. */
    private List<DsnReader.Dsn> againstPeer(String name, boolean sts, String stsMode, boolean trustPeer, boolean peerOffers,
                                            EnvelopeParams.Tls tls, List<String> wire) throws Exception {
        InstantSource clock = InstantSource.system();
        TlsContext peerTls = TlsContext.selfSigned(dir.resolve(name + "-peer"), "mx.b.test", clock);
        TlsContext stsTls = TlsContext.selfSigned(dir.resolve(name + "-sts"), "mta-sts.b.test", clock);
        try (TestDnsServer dns = dns(sts);
             Peer peer = new Peer(peerTls, peerOffers);
             var policy = OutboundDeliveryTest.policyServer(stsTls, "version: STSv1\r\nmode: " + stsMode
                     + "\r\nmx: " + (stsMode.equals("enforce") ? "other.b.test" : "mx.b.test") + "\r\nmax_age: 86400\r\n")) {
            Path stsCert = dir.resolve(name + "-sts/tls/selfsigned-cert.pem");
            Path ca = trustPeer ? ca(name + "-ca.pem", dir.resolve(name + "-peer/tls/selfsigned-cert.pem"), stsCert)
                    : ca(name + "-ca.pem", stsCert);
            try (TegamiServer a = start(name, senderA(name, dns, peer.server.getLocalPort(), policy.getLocalPort(), ca))) {
                Account alice = user(a, "a.test", "alice@a.test");
                enqueue(a, tls);
                await("the entry done", () -> a.store().queue().list().isEmpty());
                Thread.sleep(300);
                wire.addAll(peer.commands);
                List<DsnReader.Dsn> out = new ArrayList<>();
                for (byte[] m : inbox(a.store(), alice)) out.add(DsnReader.read(dir, m));
                return out;
            }
        }
    }

    @Test
    void theParameterIsRelayedToAVerifiedPeerThatOffersIt() throws Exception {
        List<String> wire = new ArrayList<>();
        assertEquals(List.of(), againstPeer("relay", true, "testing", true, true, EnvelopeParams.Tls.REQUIRED, wire));
        assertEquals(List.of("EHLO mail.a.test", "STARTTLS", "EHLO mail.a.test", "MAIL FROM:<alice@a.test> REQUIRETLS",
                "RCPT TO:<bob@b.test>", "DATA"), wire, "the connection stays open for reuse: no QUIT yet");
    }

    private static void assertBounced5730(List<DsnReader.Dsn> notices, String diagnostic) {
        assertEquals(1, notices.size(), "one bounce at once, no retries: " + notices);
        DsnReader.Dsn d = notices.getFirst();
        Map<String, String> r = d.recipients().getFirst();
        assertEquals("failed", r.get("action"));
        assertEquals("5.7.30", r.get("status"));
        assertTrue(r.get("diagnostic-code").contains(diagnostic), r.toString());
        assertEquals("text/rfc822-headers", d.returned());
        assertTrue(!d.returnedText().contains("the secret text"), "RFC 8689 §5: the content does not come back");
    }

    @Test
    void aPeerWithoutRequireTlsGetsNothingAndTheSenderHearsAtOnce() throws Exception {
        List<String> wire = new ArrayList<>();
        assertBounced5730(againstPeer("noffer", true, "testing", true, false, EnvelopeParams.Tls.REQUIRED, wire),
                "REQUIRETLS support required: mx.b.test does not offer REQUIRETLS");
        assertTrue(wire.stream().noneMatch(c -> c.startsWith("MAIL")), "nothing of the message was sent: " + wire);
    }

    @Test
    void anMxNameNoPolicyOrDnssecVouchesForIsNotContacted() throws Exception {
        List<String> wire = new ArrayList<>();
        assertBounced5730(againstPeer("noname", false, "testing", true, true, EnvelopeParams.Tls.REQUIRED, wire),
                "is not authenticated (MX records not DNSSEC-validated, no MTA-STS policy names it)");
        assertEquals(List.of(), wire);
    }

    @Test
    void aCertificateThatDoesNotVerifyEndsTheAttempt() throws Exception {
        List<String> wire = new ArrayList<>();
        assertBounced5730(againstPeer("untrusted", true, "testing", false, true, EnvelopeParams.Tls.REQUIRED, wire),
                "no verified TLS path to b.test");
        assertTrue(wire.stream().noneMatch(c -> c.startsWith("MAIL")), wire.toString());
    }

    /** RFC 8689 §4.2.2: an enforced MTA-STS policy that does not name the MX would hold the message; TLS-Required: No does not. */
    @Test
    void tlsRequiredNoGetsPastAPolicyThatWouldHoldTheMessage() throws Exception {
        List<String> wire = new ArrayList<>();
        assertEquals(List.of(), againstPeer("relaxed", true, "enforce", false, false, EnvelopeParams.Tls.NOT_REQUIRED, wire));
        assertTrue(wire.contains("MAIL FROM:<alice@a.test>"), "delivered with opportunistic TLS: " + wire);
    }
}
