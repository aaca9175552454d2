package org.tegami.mailauth.dkim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DKIM signatures checked by an independent verifier: dkimpy (Debian's python3-dkim). */
class DkimSignerTest {
    @TempDir
    Path dir;

    private static final String MESSAGE = "From: Alice <alice@a.test>\r\nTo: bob@b.test\r\nSubject:  folded\r\n"
            + "\tsubject   with  spaces \r\nDate: Sat, 28 Nov 2026 20:00:00 +0000\r\nMessage-ID: <1@a.test>\r\n"
            + "X-Not-Signed: changes en route\r\n\r\nHello  Bob, \t\r\n\r\n.dot and trailing space \r\n\r\n\r\n";

    @Test
    void relaxedCanonicalizationMatchesTheRfcExample() throws Exception {
        // RFC 6376 §3.4.5: " C \r\nD \t E\r\n\r\n\r\n" becomes " C\r\nD E\r\n"
        byte[] expected = java.security.MessageDigest.getInstance("SHA-256").digest(" C\r\nD E\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(java.util.HexFormat.of().formatHex(expected), java.util.HexFormat.of().formatHex(
                DkimSigner.relaxedBodyHash(new ByteArrayInputStream(" C \r\nD \t E\r\n\r\n\r\n".getBytes(StandardCharsets.US_ASCII)))));
        assertEquals("a:X", DkimSigner.relaxedHeader("A: X"));
        assertEquals("b:Y Z", DkimSigner.relaxedHeader("B : Y\t\r\n\tZ  "));
    }

    @Test
    void rsaAndEd25519SignaturesVerifyWithDkimpy() throws Exception {
        DkimKey rsa = DkimKey.generate("a.test", "t1r", DkimKey.Algorithm.RSA);
        DkimKey ed = DkimKey.generate("a.test", "t1e", DkimKey.Algorithm.ED25519);
        // Round trip through PKCS#8, as the key files are read back.
        DkimKey edBack = DkimKey.fromPkcs8("a.test", "t1e", DkimKey.Algorithm.ED25519, ed.privateKey().getEncoded());
        assertEquals(ed.dnsRecord(), edBack.dnsRecord());
        String sigs = DkimSigner.sign(List.of(rsa, edBack), new ByteArrayInputStream(MESSAGE.getBytes(StandardCharsets.UTF_8)),
                Instant.parse("2026-11-28T20:00:00Z"));
        Path msg = dir.resolve("signed.eml");
        // En route, an unsigned header changes and trailing blank lines are added: relaxed still verifies.
        Files.writeString(msg, sigs + MESSAGE.replace("changes en route", "changed") + "\r\n");
        String script = """
                import dkim, sys
                records = {b"t1r._domainkey.a.test.": sys.argv[2].encode(), b"t1e._domainkey.a.test.": sys.argv[3].encode()}
                def dns(name, timeout=5):
                    return records.get(name if name.endswith(b".") else name + b".")
                msg = open(sys.argv[1], "rb").read()
                d = dkim.DKIM(msg)
                print(d.verify(idx=0, dnsfunc=dns), d.verify(idx=1, dnsfunc=dns))
                """;
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", script, msg.toString(), rsa.dnsRecord(), ed.dnsRecord())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals("True True", out.strip(), out);

        // Tampering with a signed header must break both.
        Files.writeString(msg, sigs + MESSAGE.replace("Subject:  folded", "Subject: forged"));
        Process q = new ProcessBuilder("/usr/bin/python3", "-c", script, msg.toString(), rsa.dnsRecord(), ed.dnsRecord())
                .redirectErrorStream(true).start();
        String bad = new String(q.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(q.waitFor(60, TimeUnit.SECONDS));
        assertEquals("False False", bad.strip(), bad);
    }
}
