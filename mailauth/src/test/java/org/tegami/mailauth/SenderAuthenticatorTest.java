package org.tegami.mailauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.SequenceInputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.tegami.mailauth.dkim.DkimKey;
import org.tegami.mailauth.dkim.DkimResult;
import org.tegami.mailauth.dkim.DkimSigner;
import org.tegami.mailauth.dmarc.DmarcPolicy;
import org.tegami.mailauth.dmarc.DmarcResult;
import org.tegami.mailauth.dns.CachingDns;
import org.tegami.mailauth.dns.Resolvers;
import org.tegami.mailauth.spf.SpfResult;

/** The facade: SPF, DKIM, DMARC and ARC of one message, and our Authentication-Results field. */
class SenderAuthenticatorTest {
    static final InstantSource NOW = InstantSource.fixed(Instant.parse("2026-11-28T21:00:00Z"));
    static final String MESSAGE = "From: Alice <alice@a.test>\r\nTo: bob@b.test\r\nSubject: hi\r\n"
            + "Date: Sat, 28 Nov 2026 20:00:00 +0000\r\nMessage-ID: <1@a.test>\r\n\r\nHello Bob\r\n";

    private final DkimKey key = DkimKey.generate("a.test", "s1", DkimKey.Algorithm.ED25519);
    private final ZoneDns dns = new ZoneDns()
            .txt("a.test", "v=spf1 ip4:192.0.2.0/24 -all")
            .txt(key.dnsName(), key.dnsRecord())
            .txt("_dmarc.a.test", "v=DMARC1; p=reject");
    private final SenderAuthenticator auth = new SenderAuthenticator(dns, "mx.b.test", NOW, RandomGenerator.getDefault(), Duration.ofSeconds(5));

    private String signed() throws Exception {
        return DkimSigner.sign(List.of(key), new ByteArrayInputStream(MESSAGE.getBytes(StandardCharsets.US_ASCII)), NOW.instant()) + MESSAGE;
    }

    private AuthenticationResult run(String ip, String mailFrom, String message) throws Exception {
        return auth.authenticate(InetAddress.getByName(ip), "mail.a.test", mailFrom, new ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test
    void allPass() throws Exception {
        AuthenticationResult r = run("192.0.2.7", "alice@a.test", signed());
        assertEquals(SpfResult.PASS, r.spf().result());
        assertEquals(DkimResult.PASS, r.dkim().getFirst().result());
        assertEquals(DmarcResult.PASS, r.dmarc().result());
        assertEquals(DmarcPolicy.NONE, r.disposition());
        String ar = r.authenticationResults();
        assertTrue(ar.startsWith("Authentication-Results: mx.b.test;\r\n\tspf=pass smtp.mailfrom=alice@a.test;\r\n\tdkim=pass header.d=a.test header.s=s1"), ar);
        assertTrue(ar.contains("dmarc=pass header.from=a.test;") && ar.endsWith("arc=none smtp.remote-ip=192.0.2.7\r\n"), ar);
        for (String line : ar.split("\r\n")) assertTrue(line.length() < 78, line);
        assertTrue(AuthResults.isOurs(ar.strip(), "MX.B.TEST"));
    }

    @Test
    void forgedMessageIsRejected() throws Exception {
        AuthenticationResult r = run("203.0.113.9", "alice@a.test", MESSAGE);
        assertEquals(SpfResult.FAIL, r.spf().result());
        assertEquals(DmarcResult.FAIL, r.dmarc().result());
        assertEquals(DmarcPolicy.REJECT, r.disposition());
        assertTrue(r.authenticationResults().contains("dkim=none"), r.authenticationResults());
        // a forwarder that breaks SPF: DKIM still carries DMARC
        AuthenticationResult fwd = run("203.0.113.9", "list-bounces@lists.test", signed());
        assertEquals(DmarcResult.PASS, fwd.dmarc().result());
    }

    @Test
    void nullSenderUsesHelo() throws Exception {
        dns.txt("mail.a.test", "v=spf1 a -all").a("mail.a.test", "192.0.2.7");
        AuthenticationResult r = run("192.0.2.7", "", signed());
        assertEquals(SpfResult.PASS, r.spf().result());
        assertTrue(r.authenticationResults().contains("spf=pass smtp.helo=mail.a.test"), r.authenticationResults());
    }

    @Test
    void heloIsCheckedBesideMailFrom() throws Exception {
        // no SPF record for the HELO name: nothing reported for it
        AuthenticationResult quiet = run("192.0.2.7", "alice@a.test", signed());
        assertEquals(SpfResult.NONE, quiet.heloSpf().orElseThrow().result());
        assertFalse(quiet.authenticationResults().contains("smtp.helo"), quiet.authenticationResults());
        // a HELO name whose own SPF record does not list the client: fail reported, MAIL FROM still passes
        dns.txt("mail.a.test", "v=spf1 ip4:198.51.100.1 -all");
        AuthenticationResult r = run("192.0.2.7", "alice@a.test", signed());
        assertEquals(SpfResult.PASS, r.spf().result());
        assertEquals(SpfResult.FAIL, r.heloSpf().orElseThrow().result());
        assertEquals(DmarcResult.PASS, r.dmarc().result()); // RFC 7489 §4.1: HELO does not count beside a MAIL FROM
        assertTrue(r.authenticationResults().contains("spf=pass smtp.mailfrom=alice@a.test;\r\n\tspf=fail smtp.helo=mail.a.test;"),
                r.authenticationResults());
    }

    @Test
    void heloThatIsNoDomainIsNotChecked() throws Exception {
        AuthenticationResult r = auth.authenticate(InetAddress.getByName("192.0.2.7"), "[192.0.2.7]", "alice@a.test",
                new ByteArrayInputStream(signed().getBytes(StandardCharsets.US_ASCII)));
        assertTrue(r.heloSpf().isEmpty());
        assertFalse(SenderAuthenticator.checkableHelo("localhost"));
        assertFalse(SenderAuthenticator.checkableHelo("mail..x\u00e9"));
        assertTrue(SenderAuthenticator.checkableHelo("mail.a.test"));
    }

    @Test
    void slowDnsEndsInTemperrorWithinTheBudget() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            CachingDns slow = new CachingDns(Resolvers.create(List.of((InetSocketAddress) silent.getLocalSocketAddress()), Duration.ofSeconds(30)),
                    InstantSource.system(), Duration.ofSeconds(30), 100);
            SenderAuthenticator a = new SenderAuthenticator(slow, "mx.b.test", NOW, RandomGenerator.getDefault(), Duration.ofMillis(1500));
            long start = System.nanoTime();
            AuthenticationResult r = a.authenticate(InetAddress.getByName("192.0.2.7"), "mail.a.test", "alice@a.test",
                    new ByteArrayInputStream(signed().getBytes(StandardCharsets.US_ASCII)));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < 5000, ms + " ms");
            assertEquals(SpfResult.TEMPERROR, r.spf().result());
            assertEquals(DkimResult.TEMPERROR, r.dkim().getFirst().result());
            assertEquals(DmarcResult.TEMPERROR, r.dmarc().result());
        }
    }

    @Test
    void bigMessageStreams() throws Exception {
        String head = "From: alice@a.test\r\nSubject: big\r\n\r\n";
        byte[] line = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n".getBytes(StandardCharsets.US_ASCII);
        int lines = 20 * 1024 * 1024 / line.length;
        java.util.function.Supplier<java.io.InputStream> body = () -> new java.io.InputStream() {
            long pos;

            @Override
            public int read() {
                return pos >= (long) lines * line.length ? -1 : line[(int) (pos++ % line.length)];
            }
        };
        String sig = DkimSigner.sign(List.of(key), new SequenceInputStream(new ByteArrayInputStream(head.getBytes(StandardCharsets.US_ASCII)), body.get()), NOW.instant());
        AuthenticationResult r = auth.authenticate(InetAddress.getByName("192.0.2.7"), "mail.a.test", "alice@a.test",
                new SequenceInputStream(new ByteArrayInputStream((sig + head).getBytes(StandardCharsets.US_ASCII)), body.get()));
        assertEquals(DkimResult.PASS, r.dkim().getFirst().result());
    }
}
