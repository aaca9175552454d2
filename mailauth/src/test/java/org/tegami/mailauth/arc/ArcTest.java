package org.tegami.mailauth.arc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.mailauth.ZoneDns;
import org.tegami.mailauth.dkim.DkimKey;

/** ARC sealing and validation (RFC 8617), cross-checked with dkimpy's arc_verify. */
class ArcTest {
    @TempDir
    Path dir;

    static final String MESSAGE = "From: Alice <alice@a.test>\r\nTo: list@lists.test\r\nSubject: hello\r\n"
            + "Date: Sat, 28 Nov 2026 20:00:00 +0000\r\nMessage-ID: <1@a.test>\r\n\r\nHello list\r\n";
    static final InstantSource NOW = InstantSource.fixed(Instant.parse("2026-11-28T21:00:00Z"));

    private final DkimKey hop1 = DkimKey.generate("lists.test", "arc1", DkimKey.Algorithm.RSA);
    private final DkimKey hop2 = DkimKey.generate("relay.test", "arc2", DkimKey.Algorithm.RSA);
    private final ZoneDns dns = new ZoneDns().txt(hop1.dnsName(), hop1.dnsRecord()).txt(hop2.dnsName(), hop2.dnsRecord());

    private ArcVerdict verify(String message) throws Exception {
        return new ArcVerifier(dns, NOW).verify(new ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1)));
    }

    private String seal(DkimKey key, String results, String message) throws Exception {
        ArcVerdict chain = verify(message);
        return ArcSealer.seal(key, results, chain, new ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1)), NOW.instant()) + message;
    }

    @Test
    void twoHopChainValidates() throws Exception {
        assertEquals(ArcResult.NONE, verify(MESSAGE).result());
        String one = seal(hop1, "lists.test; spf=pass smtp.mailfrom=a.test; dkim=pass header.d=a.test", MESSAGE);
        ArcVerdict v1 = verify(one);
        assertEquals(ArcResult.PASS, v1.result(), v1::toString);
        assertEquals(1, v1.instances());
        // the list rewrites the subject; the next hop seals its view
        String changed = one.replace("Subject: hello", "Subject: [list] hello");
        assertEquals(ArcResult.FAIL, verify(changed).result());
        String two = seal(hop2, "relay.test; arc=pass", one);
        ArcVerdict v2 = verify(two);
        assertEquals(ArcResult.PASS, v2.result(), v2::toString);
        assertEquals(2, v2.instances());
        assertEquals(0, v2.oldestPass());
        assertEquals("relay.test", v2.latest().orElseThrow().sealer());
        assertEquals("lists.test; spf=pass smtp.mailfrom=a.test; dkim=pass header.d=a.test", v2.hops().getFirst().authResults());

        assertEquals("True", dkimpyVerify(one).strip());
        assertEquals("True", dkimpyVerify(two).strip());
    }

    @Test
    void brokenChainsFail() throws Exception {
        String one = seal(hop1, "lists.test; spf=pass smtp.mailfrom=a.test", MESSAGE);
        String two = seal(hop2, "relay.test; arc=pass", one);
        assertEquals(ArcResult.FAIL, verify(two.replace("Hello list", "Hello spam")).result()); // newest AMS body hash
        assertEquals(ArcResult.FAIL, verify(two.replace("i=1; lists.test; spf=pass", "i=1; lists.test; spf=fail")).result()); // seal
        assertEquals(ArcResult.FAIL, verify(two.replace("cv=pass", "cv=fail")).result());
        // a missing set
        String noAar1 = two.replaceFirst("ARC-Authentication-Results: i=1;[^\r]*\r\n", "");
        assertEquals(ArcResult.FAIL, verify(noAar1).result());
        // duplicate instance
        String dup = two.replaceFirst("i=2; relay.test", "i=1; relay.test");
        assertEquals(ArcResult.FAIL, verify(dup).result());
        // a chain whose newest set claims cv=none at i=2
        assertTrue(verify(two.replace("cv=pass", "cv=none")).reason().contains("cv=none"));
    }

    /** dkimpy seals (its arc_sign needs the authres module, python3-authres; skipped without it). */
    @Test
    void dkimpySealedChainValidates() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(new ProcessBuilder(org.tegami.mailauth.dkim.DkimpyAccess.PYTHON, "-c", "import authres")
                .start().waitFor() == 0, "python3-authres is not installed");
        String one = dkimpySeal(hop1, "lists.test", "Authentication-Results: lists.test; spf=pass smtp.mailfrom=a.test\r\n" + MESSAGE);
        ArcVerdict v1 = verify(one);
        assertEquals(ArcResult.PASS, v1.result(), v1::toString);
        String two = dkimpySeal(hop2, "relay.test", "Authentication-Results: relay.test; arc=pass\r\n" + one);
        ArcVerdict v2 = verify(two);
        assertEquals(ArcResult.PASS, v2.result(), v2::toString);
        assertEquals(2, v2.instances());
        assertEquals("relay.test", v2.latest().orElseThrow().sealer());
        assertEquals(ArcResult.FAIL, verify(two.replace("Hello list", "Hello spam")).result());
    }

    private String dkimpySeal(DkimKey key, String srvId, String message) throws Exception {
        Path f = Files.write(dir.resolve("to-seal.eml"), message.getBytes(StandardCharsets.ISO_8859_1));
        String script = """
                import dkim, sys
                msg = open(sys.argv[1], "rb").read()
                lines = dkim.arc_sign(msg, sys.argv[3].encode(), sys.argv[4].encode(), open(sys.argv[2], "rb").read(), sys.argv[5].encode(),
                                      include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
                sys.stdout.write(b"".join(reversed(lines)).decode())
                """;
        String set = org.tegami.mailauth.dkim.DkimpyAccess.run(script, f.toString(), org.tegami.mailauth.dkim.DkimpyAccess.keyFile(dir, key).toString(),
                key.selector(), key.domain(), srvId);
        return set.replace("\r\n", "\n").replace("\n", "\r\n") + message;
    }

    private String dkimpyVerify(String message) throws Exception {
        Path f = Files.write(dir.resolve("arc.eml"), message.getBytes(StandardCharsets.ISO_8859_1));
        String script = """
                import dkim, sys
                records = {sys.argv[2].encode(): sys.argv[3].encode(), sys.argv[4].encode(): sys.argv[5].encode()}
                def dns(name, timeout=5):
                    return records.get(name.rstrip(b"."))
                cv, results, reason = dkim.arc_verify(open(sys.argv[1], "rb").read(), dnsfunc=dns)
                print(cv == dkim.CV_Pass, reason)
                """;
        String out = org.tegami.mailauth.dkim.DkimpyAccess.run(script, f.toString(), hop1.dnsName(), hop1.dnsRecord(), hop2.dnsName(), hop2.dnsRecord());
        return out.startsWith("True") ? "True" : out;
    }
}
