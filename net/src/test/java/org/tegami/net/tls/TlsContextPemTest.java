package org.tegami.net.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tegami.net.tls.TlsTestSupport.openssl;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.core.TegamiException;

class TlsContextPemTest {
    @TempDir
    Path dir;

    private String read(String name) throws Exception {
        return Files.readString(dir.resolve(name));
    }

    private TlsContext load(String cert, String key) {
        return TlsContext.fromPem(dir.resolve(cert), dir.resolve(key));
    }

    private TegamiException failure(String cert, String key) {
        return assertThrows(TegamiException.class, () -> load(cert, key));
    }

    @Test
    void rsaWithPkcs8Key() throws Exception {
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem",
                "-days", "30", "-subj", "/CN=rsa.example", "-addext",
                "subjectAltName=DNS:rsa.example,DNS:mail.rsa.example");
        assertTrue(read("key.pem").startsWith("-----BEGIN PRIVATE KEY-----"));

        CertificateInfo info = load("cert.pem", "key.pem").info();

        assertEquals("CN=rsa.example", info.subject());
        assertEquals("CN=rsa.example", info.issuer());
        assertEquals(List.of("rsa.example", "mail.rsa.example"), info.dnsNames());
        assertTrue(info.selfSigned());
        assertEquals(Duration.ofDays(30), Duration.between(info.notBefore(), info.notAfter()));
    }

    @Test
    void rsaWithTraditionalKey() throws Exception {
        openssl(dir, "genrsa", "-traditional", "-out", "key.pem", "2048");
        openssl(dir, "req", "-x509", "-key", "key.pem", "-out", "cert.pem", "-days", "10", "-subj",
                "/CN=trad.example");
        assertTrue(read("key.pem").startsWith("-----BEGIN RSA PRIVATE KEY-----"));

        CertificateInfo info = load("cert.pem", "key.pem").info();

        assertEquals("CN=trad.example", info.subject());
        assertEquals(List.of(), info.dnsNames());
    }

    @Test
    void ecKeyAfterEcParametersBlock() throws Exception {
        openssl(dir, "ecparam", "-name", "prime256v1", "-genkey", "-out", "key.pem");
        openssl(dir, "req", "-x509", "-key", "key.pem", "-out", "cert.pem", "-days", "10", "-subj", "/CN=ec.example",
                "-addext", "subjectAltName=DNS:ec.example");
        String key = read("key.pem");
        assertTrue(key.startsWith("-----BEGIN EC PARAMETERS-----"), key);
        assertTrue(key.contains("-----BEGIN EC PRIVATE KEY-----"), key);

        TlsContext tls = load("cert.pem", "key.pem");

        assertEquals("CN=ec.example", tls.info().subject());
        assertEquals(List.of("ec.example"), tls.info().dnsNames());
        assertEquals("EC", tls.certificateChain().getFirst().getPublicKey().getAlgorithm());
    }

    @Test
    void chainWithLeafAndIssuer() throws Exception {
        makeChain(dir);

        TlsContext tls = load("fullchain.pem", "leaf.key");

        assertEquals(2, tls.certificateChain().size());
        assertEquals("CN=mail.example", tls.info().subject());
        assertEquals("CN=Tiny CA", tls.info().issuer());
        assertEquals(List.of("mail.example"), tls.info().dnsNames());
        assertFalse(tls.info().selfSigned());
        assertEquals("CN=Tiny CA", tls.certificateChain().get(1).getSubjectX500Principal().getName());
    }

    /** A tiny CA and a leaf it signed: ca.pem, leaf.pem, leaf.key, fullchain.pem (leaf then CA). */
    static void makeChain(Path dir) throws Exception {
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-days", "30", "-subj", "/CN=Tiny CA");
        openssl(dir, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=mail.example");
        Files.writeString(dir.resolve("ext.cnf"), "subjectAltName=DNS:mail.example\n");
        openssl(dir, "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "leaf.pem", "-days", "20", "-extfile", "ext.cnf");
        Files.writeString(dir.resolve("fullchain.pem"),
                Files.readString(dir.resolve("leaf.pem")) + Files.readString(dir.resolve("ca.pem")));
    }

    @Test
    void chainInWrongOrderIsAMismatch() throws Exception {
        makeChain(dir);
        Files.writeString(dir.resolve("reversed.pem"),
                Files.readString(dir.resolve("ca.pem")) + Files.readString(dir.resolve("leaf.pem")));

        TegamiException e = failure("reversed.pem", "leaf.key");

        assertTrue(e.getMessage().contains("does not match the certificate in " + dir.resolve("reversed.pem")),
                e.getMessage());
        assertTrue(e.getMessage().contains("leaf certificate first"), e.getMessage());
    }

    @Test
    void keyOfAnotherCertificateIsRefused() throws Exception {
        TlsTestSupport.ecPair(dir, "a", "a.example");
        TlsTestSupport.ecPair(dir, "b", "b.example");

        TegamiException e = failure("a-cert.pem", "b-key.pem");

        assertEquals("TLS private key " + dir.resolve("b-key.pem") + " does not match the certificate in "
                + dir.resolve("a-cert.pem") + " (subject CN=a.example): use the privkey.pem from the same certbot"
                + " lineage as the fullchain.pem, and put the leaf certificate first", e.getMessage());
    }

    @Test
    void keyOfAnotherTypeIsRefused() throws Exception {
        TlsTestSupport.ecPair(dir, "ec", "ec.example");
        openssl(dir, "genrsa", "-out", "rsa-key.pem", "2048");

        TegamiException e = failure("ec-cert.pem", "rsa-key.pem");

        assertTrue(e.getMessage().startsWith("TLS private key " + dir.resolve("rsa-key.pem") + " does not match"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("(key is RSA, certificate is EC)"), e.getMessage());
    }

    @Test
    void missingCertificateFileNamesPathAndFix() throws Exception {
        TlsTestSupport.ecPair(dir, "a", "a.example");

        TegamiException e = failure("nope.pem", "a-key.pem");

        assertEquals("TLS certificate file not found: " + dir.resolve("nope.pem") + ": set [tls] cert/key in"
                + " tegami.toml or remove them to use a self-signed certificate", e.getMessage());
    }

    @Test
    void missingKeyFileNamesPath() throws Exception {
        TlsTestSupport.ecPair(dir, "a", "a.example");

        TegamiException e = failure("a-cert.pem", "gone.pem");

        assertTrue(e.getMessage().startsWith("TLS private key file not found: " + dir.resolve("gone.pem") + ":"),
                e.getMessage());
    }

    @Test
    void unreadableKeyFileSaysPermission() throws Exception {
        Assumptions.assumeFalse("root".equals(System.getProperty("user.name")), "root reads any file");
        TlsTestSupport.ecPair(dir, "a", "a.example");
        Files.setPosixFilePermissions(dir.resolve("a-key.pem"), PosixFilePermissions.fromString("---------"));

        TegamiException e = failure("a-cert.pem", "a-key.pem");

        assertTrue(e.getMessage().startsWith("cannot read TLS private key file " + dir.resolve("a-key.pem")
                + " (permission denied)"), e.getMessage());
    }

    @Test
    void fileWithoutPemIsNotACertificate() throws Exception {
        TlsTestSupport.ecPair(dir, "a", "a.example");
        Files.writeString(dir.resolve("garbage.pem"), "hello, this is not a certificate\n");

        TegamiException e = failure("garbage.pem", "a-key.pem");

        assertTrue(e.getMessage().startsWith("no certificate (BEGIN CERTIFICATE) found in " + dir.resolve("garbage.pem")
                + ": point [tls] cert to fullchain.pem"), e.getMessage());
    }

    @Test
    void corruptBase64IsNotValidPem() throws Exception {
        TlsTestSupport.ecPair(dir, "a", "a.example");
        Files.writeString(dir.resolve("bad.pem"), "-----BEGIN CERTIFICATE-----\nMIIB!!!!\n-----END CERTIFICATE-----\n");

        TegamiException e = failure("bad.pem", "a-key.pem");

        assertTrue(e.getMessage().startsWith("TLS certificate file " + dir.resolve("bad.pem") + " is not valid PEM"),
                e.getMessage());
    }

    @Test
    void swappedFilesAreNamed() throws Exception {
        TlsTestSupport.ecPair(dir, "a", "a.example");

        assertEquals("TLS certificate file " + dir.resolve("a-key.pem") + " contains a private key: [tls] cert and"
                + " key look swapped; cert must be fullchain.pem", failure("a-key.pem", "a-cert.pem").getMessage());
        assertEquals("TLS private key file " + dir.resolve("a-cert.pem") + " contains a certificate, not a key:"
                + " [tls] key must be privkey.pem", failure("a-cert.pem", "a-cert.pem").getMessage());
    }

    @Test
    void keyFileWithoutKey() throws Exception {
        TlsTestSupport.ecPair(dir, "a", "a.example");
        Files.writeString(dir.resolve("empty.pem"), "");

        assertEquals("no private key found in " + dir.resolve("empty.pem") + ": point [tls] key to privkey.pem"
                + " (BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY)",
                failure("a-cert.pem", "empty.pem").getMessage());
    }

    @Test
    void encryptedKeyAsksForDecryption() throws Exception {
        TlsTestSupport.ecPair(dir, "a", "a.example");
        openssl(dir, "pkey", "-in", "a-key.pem", "-aes256", "-passout", "pass:secret", "-out", "enc.pem");

        TegamiException e = failure("a-cert.pem", "enc.pem");

        assertTrue(e.getMessage().startsWith("TLS private key file " + dir.resolve("enc.pem")
                + " is protected by a passphrase"), e.getMessage());
    }

    @Test
    void ed25519IsUnsupported() throws Exception {
        openssl(dir, "genpkey", "-algorithm", "ed25519", "-out", "key.pem");
        openssl(dir, "req", "-x509", "-key", "key.pem", "-out", "cert.pem", "-days", "10", "-subj", "/CN=ed.example");

        TegamiException e = failure("cert.pem", "key.pem");

        assertTrue(e.getMessage().startsWith("unsupported key type "), e.getMessage());
        assertTrue(e.getMessage().contains(" in " + dir.resolve("key.pem") + ": use an RSA or ECDSA key"),
                e.getMessage());
    }

    @Test
    void expiredCertificateStillLoadsAndInfoSaysSo() throws Exception {
        TlsTestSupport.ecPair(dir, "a", "a.example");
        TlsTestSupport.MutableClock clock = new TlsTestSupport.MutableClock(Instant.now().plus(Duration.ofDays(40)));

        CertificateInfo info = TlsContext.fromPem(dir.resolve("a-cert.pem"), dir.resolve("a-key.pem"), clock).info();

        assertTrue(info.isExpired(clock.instant()));
        assertTrue(info.expiresWithin(Duration.ZERO, clock.instant()));
        assertFalse(info.isExpired(Instant.now()));
        assertTrue(info.expiresWithin(Duration.ofDays(31), Instant.now()));
        assertFalse(info.expiresWithin(Duration.ofDays(29), Instant.now()));
    }
}
