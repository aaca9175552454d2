package org.tegami.queue.dane;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFC 7672 §3 and RFC 6698 §2.1 against certificates made by openssl: DANE-EE by key or whole certificate with
 * SHA-256, SHA-512 or exact data, names ignored; DANE-TA by the CA's key or certificate, the chain validated from
 * it and the MX host name checked; PKIX usages and malformed records unusable.
 */
class DaneTrustManagerTest {
    @TempDir
    static Path dir;
    static X509Certificate ca, leaf, otherCa, strayLeaf;

    static void openssl(String... args) throws Exception {
        var cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(60, TimeUnit.SECONDS);
        assertEquals(0, p.exitValue(), out);
    }

    static void issue(String caName, String leafName, String host) throws Exception {
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", leafName + ".key",
                "-out", leafName + ".csr", "-subj", "/CN=" + host);
        Files.writeString(dir.resolve(leafName + ".cnf"), "subjectAltName=DNS:" + host + "\n");
        openssl("x509", "-req", "-in", leafName + ".csr", "-CA", caName + ".pem", "-CAkey", caName + ".key", "-CAcreateserial",
                "-out", leafName + ".pem", "-days", "30", "-extfile", leafName + ".cnf");
    }

    static X509Certificate read(String name) throws Exception {
        try (InputStream in = Files.newInputStream(dir.resolve(name + ".pem"))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    @BeforeAll
    static void certificates() throws Exception {
        for (String c : List.of("ca", "other")) {
            openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", c + ".key",
                    "-out", c + ".pem", "-days", "30", "-subj", "/CN=Test CA " + c);
        }
        issue("ca", "leaf", "mx.example.test");
        issue("other", "stray", "mx.example.test");
        ca = read("ca");
        leaf = read("leaf");
        otherCa = read("other");
        strayLeaf = read("stray");
    }

    static String hex(String alg, byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(alg).digest(b));
    }

    static Tlsa tlsa(int u, int s, int m, String hex) {
        return new Tlsa(u, s, m, HexFormat.of().parseHex(hex));
    }

    static void accepts(Tlsa t, String host, X509Certificate... chain) {
        assertTrue(t.usable(), t.toString());
        assertDoesNotThrow(() -> new DaneTrustManager(List.of(t), host).checkServerTrusted(chain, "ECDHE_ECDSA"), t.toString());
    }

    static String refuses(Tlsa t, String host, X509Certificate... chain) {
        return assertThrows(CertificateException.class,
                () -> new DaneTrustManager(List.of(t), host).checkServerTrusted(chain, "ECDHE_ECDSA"), t.toString()).getMessage();
    }

    @Test
    void daneEeMatchesTheLeafWhateverItsName() throws Exception {
        byte[] spki = leaf.getPublicKey().getEncoded();
        accepts(tlsa(3, 1, 1, hex("SHA-256", spki)), "other.name.test", leaf, ca);
        accepts(tlsa(3, 1, 2, hex("SHA-512", spki)), "mx.example.test", leaf);
        accepts(tlsa(3, 1, 0, HexFormat.of().formatHex(spki)), "mx.example.test", leaf);
        accepts(tlsa(3, 0, 1, hex("SHA-256", leaf.getEncoded())), "mx.example.test", leaf);
        assertEquals("3 1 1 " + hex("SHA-256", spki), Tlsa.daneEe311(leaf));
        // the CA's key named as DANE-EE does not authenticate a leaf below it
        String why = refuses(tlsa(3, 1, 1, hex("SHA-256", ca.getPublicKey().getEncoded())), "mx.example.test", leaf, ca);
        assertEquals("DANE: no TLSA record of _25._tcp.mx.example.test matches the certificate presented", why);
    }

    @Test
    void daneTaNeedsTheChainFromTheAnchorAndTheHostName() throws Exception {
        Tlsa byKey = tlsa(2, 1, 1, hex("SHA-256", ca.getPublicKey().getEncoded()));
        Tlsa byCert = tlsa(2, 0, 1, hex("SHA-256", ca.getEncoded()));
        accepts(byKey, "mx.example.test", leaf, ca);
        accepts(byCert, "mx.example.test", leaf, ca);
        accepts(byKey, "MX.Example.Test", leaf, ca);
        // RFC 7672 §3.2.3: the name is checked for DANE-TA
        assertTrue(refuses(byKey, "mx.other.test", leaf, ca).contains("does not name mx.other.test"));
        // a leaf from another CA presented beside our anchor: the chain does not validate from it
        assertTrue(refuses(byKey, "mx.example.test", strayLeaf, ca).startsWith("DANE-TA: the chain does not validate"));
        // the anchor must be in the chain the server sends (RFC 7672 §3.2.2)
        refuses(byKey, "mx.example.test", leaf);
        refuses(byKey, "mx.example.test", strayLeaf, otherCa);
    }

    @Test
    void unusableRecordsAreRecognised() throws Exception {
        String h = hex("SHA-256", leaf.getPublicKey().getEncoded());
        assertFalse(tlsa(0, 1, 1, h).usable(), "PKIX-TA is not for SMTP (RFC 7672 §3.1.3)");
        assertFalse(tlsa(1, 1, 1, h).usable(), "PKIX-EE is not for SMTP");
        assertFalse(tlsa(3, 2, 1, h).usable(), "unknown selector");
        assertFalse(tlsa(3, 1, 3, h).usable(), "unknown matching type");
        assertFalse(tlsa(3, 1, 1, h.substring(2)).usable(), "SHA-256 of the wrong length");
        assertFalse(tlsa(3, 1, 0, "").usable(), "empty exact data");
        assertTrue(tlsa(3, 1, 1, h).usable());
    }

    @Test
    void wildcardNamesCoverOneLabel() {
        assertTrue(DaneTrustManager.nameMatches("*.example.test", "mx.example.test"));
        assertFalse(DaneTrustManager.nameMatches("*.example.test", "a.mx.example.test"));
        assertFalse(DaneTrustManager.nameMatches("*.example.test", "example.test"));
        assertTrue(DaneTrustManager.nameMatches("mx.example.test.", "mx.example.test"));
    }
}
