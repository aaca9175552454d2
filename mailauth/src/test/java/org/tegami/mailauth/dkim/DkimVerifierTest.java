package org.tegami.mailauth.dkim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tegami.mailauth.ZoneDns;

/** DKIM verification (RFC 6376 §6) against signatures made by dkimpy, an independent implementation. */
class DkimVerifierTest {
    @TempDir
    Path dir;

    static final String MESSAGE = "From: Alice <alice@a.test>\r\nTo: bob@b.test\r\nSubject:  folded\r\n"
            + "\tsubject   with  spaces \r\nDate: Sat, 28 Nov 2026 20:00:00 +0000\r\nMessage-ID: <1@a.test>\r\n"
            + "\r\nHello  Bob, \t\r\n\r\n.dot and trailing space \r\n\r\n\r\n";
    static final InstantSource NOW = InstantSource.fixed(Instant.parse("2026-11-28T21:00:00Z"));

    private static List<DkimVerdict> verify(ZoneDns dns, String message) throws Exception {
        return new DkimVerifier(dns, NOW).verify(new ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1)));
    }

    private static DkimResult one(ZoneDns dns, String message) throws Exception {
        List<DkimVerdict> v = verify(dns, message);
        assertEquals(1, v.size(), v::toString);
        return v.getFirst().result();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"RSA, relaxed/relaxed", "RSA, simple/simple", "RSA, relaxed/simple", "ED25519, relaxed/relaxed",
            "ED25519, simple/simple", "ED25519, simple/relaxed"})
    void dkimpySignaturesPassAndTamperingFails(DkimKey.Algorithm alg, String canon) throws Exception {
        DkimKey k = DkimKey.generate("a.test", "sel" + alg.ordinal(), alg);
        ZoneDns dns = new ZoneDns().txt(k.dnsName(), k.dnsRecord());
        String sig = Dkimpy.sign(dir, k, MESSAGE.getBytes(StandardCharsets.US_ASCII), canon, false);
        List<DkimVerdict> v = verify(dns, sig + MESSAGE);
        assertEquals(DkimResult.PASS, v.getFirst().result(), v::toString);
        assertEquals("a.test", v.getFirst().domain());
        assertTrue(sig.replaceAll("\\s", "").contains("b=" + v.getFirst().headerB()));
        assertEquals(DkimResult.FAIL, one(dns, sig + MESSAGE.replace("Hello  Bob", "Hello Eve")));
        assertEquals(DkimResult.FAIL, one(dns, sig + MESSAGE.replace("Subject:  folded", "Subject: forged")));
        assertEquals(DkimResult.FAIL, one(dns, sig + MESSAGE.replace("From: Alice", "From: Mallory")));
        // An added From above the signed one is the one the hash takes (bottom-up selection picks the last), so
        // dkimpy's signature, which does not over-sign, still passes; DMARC refuses two From fields.
        if (canon.startsWith("relaxed")) {
            // relaxed header canonicalization ignores the folding and the case of the name
            assertEquals(DkimResult.PASS, one(dns, sig + MESSAGE.replace("Subject:  folded\r\n\tsubject", "subject: folded subject")));
        } else {
            assertEquals(DkimResult.FAIL, one(dns, sig + MESSAGE.replace("Subject:  folded\r\n\tsubject", "subject: folded subject")));
        }
    }

    @Test
    void lengthLimitedSignatureDoesNotVouchForAppendedContent() throws Exception {
        DkimKey k = DkimKey.generate("a.test", "l", DkimKey.Algorithm.RSA);
        ZoneDns dns = new ZoneDns().txt(k.dnsName(), k.dnsRecord());
        String sig = Dkimpy.sign(dir, k, MESSAGE.getBytes(StandardCharsets.US_ASCII), "relaxed/relaxed", true);
        assertTrue(sig.contains("l="), sig);
        assertEquals(DkimResult.PASS, one(dns, sig + MESSAGE));
        List<DkimVerdict> v = verify(dns, sig + MESSAGE + "Click http://evil.test/ now\r\n");
        assertEquals(DkimResult.POLICY, v.getFirst().result(), v::toString);
        assertTrue(v.getFirst().reason().contains("l="));
    }

    @Test
    void ourSignerVerifies() throws Exception {
        DkimKey rsa = DkimKey.generate("a.test", "r", DkimKey.Algorithm.RSA);
        DkimKey ed = DkimKey.generate("a.test", "e", DkimKey.Algorithm.ED25519);
        ZoneDns dns = new ZoneDns().txt(rsa.dnsName(), rsa.dnsRecord()).txt(ed.dnsName(), ed.dnsRecord());
        String sigs = DkimSigner.sign(List.of(rsa, ed), new ByteArrayInputStream(MESSAGE.getBytes(StandardCharsets.US_ASCII)), NOW.instant());
        List<DkimVerdict> v = verify(dns, sigs + MESSAGE);
        assertEquals(List.of(DkimResult.PASS, DkimResult.PASS), v.stream().map(DkimVerdict::result).toList(), v::toString);
        // over-signed From: a second From added anywhere breaks the signature
        List<DkimVerdict> w = verify(dns, sigs + "From: mallory@evil.test\r\n" + MESSAGE);
        assertEquals(List.of(DkimResult.FAIL, DkimResult.FAIL), w.stream().map(DkimVerdict::result).toList());
    }

    @Test
    void keyRecordRules() throws Exception {
        DkimKey k = DkimKey.generate("a.test", "s", DkimKey.Algorithm.RSA);
        String sig = DkimSigner.sign(List.of(k), new ByteArrayInputStream(MESSAGE.getBytes(StandardCharsets.US_ASCII)), NOW.instant());
        String p = k.dnsRecord().substring(k.dnsRecord().indexOf("p="));
        // RFC 6376 §3.6.1: empty p= is a revoked key
        assertEquals(DkimResult.PERMERROR, one(new ZoneDns().txt(k.dnsName(), "v=DKIM1; p="), sig + MESSAGE));
        // k= must match a=
        assertEquals(DkimResult.PERMERROR, one(new ZoneDns().txt(k.dnsName(), "v=DKIM1; k=ed25519; " + p), sig + MESSAGE));
        // h= of the key must allow sha256
        assertEquals(DkimResult.PERMERROR, one(new ZoneDns().txt(k.dnsName(), "v=DKIM1; h=sha1; " + p), sig + MESSAGE));
        assertEquals(DkimResult.PASS, one(new ZoneDns().txt(k.dnsName(), "v=DKIM1; h=sha1:sha256; " + p), sig + MESSAGE));
        // s= must include email
        assertEquals(DkimResult.PERMERROR, one(new ZoneDns().txt(k.dnsName(), "v=DKIM1; s=tlsrpt; " + p), sig + MESSAGE));
        // v= must be DKIM1 and first
        assertEquals(DkimResult.PERMERROR, one(new ZoneDns().txt(k.dnsName(), "k=rsa; v=DKIM1; " + p), sig + MESSAGE));
        // t=y is reported, the result stays
        List<DkimVerdict> testing = verify(new ZoneDns().txt(k.dnsName(), "v=DKIM1; t=y; " + p), sig + MESSAGE);
        assertEquals(DkimResult.PASS, testing.getFirst().result());
        assertTrue(testing.getFirst().testing());
        // no key, DNS failure
        assertEquals(DkimResult.PERMERROR, one(new ZoneDns(), sig + MESSAGE));
        assertEquals(DkimResult.TEMPERROR, one(new ZoneDns().timeout(k.dnsName()), sig + MESSAGE));
    }

    @Test
    void strictKeyRefusesSubdomainIdentity() throws Exception {
        DkimKey k = DkimKey.generate("a.test", "t", DkimKey.Algorithm.RSA);
        String sig = Dkimpy.sign(dir, k, MESSAGE.getBytes(StandardCharsets.US_ASCII), "relaxed/relaxed", false);
        String p = k.dnsRecord().substring(k.dnsRecord().indexOf("p="));
        assertEquals(DkimResult.PASS, one(new ZoneDns().txt(k.dnsName(), "v=DKIM1; t=s; " + p), sig + MESSAGE));
        String withI = Dkimpy.run("""
                import dkim, sys
                msg = open(sys.argv[1], "rb").read()
                sys.stdout.write(dkim.sign(msg, b"t", b"a.test", open(sys.argv[2], "rb").read(), identity=b"alice@sub.a.test",
                                 include_headers=[b"from"]).decode())
                """, java.nio.file.Files.write(dir.resolve("m.eml"), MESSAGE.getBytes(StandardCharsets.US_ASCII)).toString(),
                Dkimpy.keyFile(dir, k).toString()).replace("\r\n", "\n").replace("\n", "\r\n");
        assertEquals(DkimResult.PASS, one(new ZoneDns().txt(k.dnsName(), "v=DKIM1; " + p), withI + MESSAGE));
        assertEquals(DkimResult.PERMERROR, one(new ZoneDns().txt(k.dnsName(), "v=DKIM1; t=s; " + p), withI + MESSAGE));
    }

    @Test
    void weakKeysOldAlgorithmsAndExpiry() throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
        g.initialize(768);
        var kp = g.generateKeyPair();
        DkimKey weak = new DkimKey("a.test", "weak", DkimKey.Algorithm.RSA, kp.getPrivate(), kp.getPublic());
        String sig = DkimSigner.sign(List.of(weak), new ByteArrayInputStream(MESSAGE.getBytes(StandardCharsets.US_ASCII)), NOW.instant());
        List<DkimVerdict> v = verify(new ZoneDns().txt(weak.dnsName(), weak.dnsRecord()), sig + MESSAGE);
        assertEquals(DkimResult.PERMERROR, v.getFirst().result());
        assertTrue(v.getFirst().reason().contains("768"), v::toString); // RFC 8301 §3.2

        DkimKey k = DkimKey.generate("a.test", "s", DkimKey.Algorithm.RSA);
        ZoneDns dns = new ZoneDns().txt(k.dnsName(), k.dnsRecord());
        String good = DkimSigner.sign(List.of(k), new ByteArrayInputStream(MESSAGE.getBytes(StandardCharsets.US_ASCII)), NOW.instant());
        // RFC 8301 §3.1: rsa-sha1 is refused without looking further
        assertEquals(DkimResult.PERMERROR, one(dns, good.replace("a=rsa-sha256", "a=rsa-sha1") + MESSAGE));
        // h= without From
        assertEquals(DkimResult.PERMERROR, one(dns, good.replaceFirst("h=[^;]*;", "h=to:subject;") + MESSAGE));
        // x= in the past (signature then fails on b= too, but expiry is reported first)
        String old = DkimSigner.sign(List.of(k), new ByteArrayInputStream(MESSAGE.getBytes(StandardCharsets.US_ASCII)),
                NOW.instant().minusSeconds(86400));
        List<DkimVerdict> x = verify(dns, old.replace("; h=", "; x=" + (NOW.instant().getEpochSecond() - 10) + "; h=") + MESSAGE);
        assertEquals(DkimResult.FAIL, x.getFirst().result());
        assertEquals("signature expired", x.getFirst().reason());
        assertEquals(DkimResult.NONE.keyword(), "none");
    }

    @Test
    void hugeBodyStreams() throws Exception {
        DkimKey k = DkimKey.generate("a.test", "big", DkimKey.Algorithm.ED25519);
        ZoneDns dns = new ZoneDns().txt(k.dnsName(), k.dnsRecord());
        String head = "From: alice@a.test\r\nSubject: big\r\n\r\n";
        long size = 50L * 1024 * 1024;
        String sig = DkimSigner.sign(List.of(k), stream(head, size), NOW.instant());
        List<DkimVerdict> v = new DkimVerifier(dns, NOW).verify(new java.io.SequenceInputStream(
                new ByteArrayInputStream(sig.getBytes(StandardCharsets.US_ASCII)), stream(head, size)));
        assertEquals(DkimResult.PASS, v.getFirst().result(), v::toString);
    }

    /** A generated message of {@code size} body octets, one long line without CRLF every 1 MiB. */
    private static InputStream stream(String head, long size) {
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        return new InputStream() {
            long pos;

            @Override
            public int read() {
                if (pos < h.length) return h[(int) pos++];
                long b = pos++ - h.length;
                if (b >= size) return -1;
                return b % (1 << 20) == (1 << 20) - 2 ? '\r' : b % (1 << 20) == (1 << 20) - 1 ? '\n' : 'a' + (int) (b % 23);
            }
        };
    }

    @Test
    void emptyBodies() throws Exception {
        byte[] none = BodyHasher.hash(Canonicalization.SIMPLE, new ByteArrayInputStream(new byte[0]));
        byte[] crlf = java.security.MessageDigest.getInstance("SHA-256").digest("\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(Base64.getEncoder().encodeToString(crlf), Base64.getEncoder().encodeToString(none)); // RFC 6376 §3.4.3
        byte[] relaxed = BodyHasher.hash(Canonicalization.RELAXED, new ByteArrayInputStream("\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
        byte[] empty = java.security.MessageDigest.getInstance("SHA-256").digest(new byte[0]);
        assertEquals(Base64.getEncoder().encodeToString(empty), Base64.getEncoder().encodeToString(relaxed)); // RFC 6376 §3.4.4
    }
}
