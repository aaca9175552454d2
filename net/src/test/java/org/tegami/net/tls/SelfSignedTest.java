package org.tegami.net.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.net.tls.TlsTestSupport.MutableClock;
import org.tegami.net.tls.TlsTestSupport.OneShotServer;

class SelfSignedTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    @TempDir
    Path data;
    MutableClock clock = new MutableClock(T0);

    private Path certFile() {
        return data.resolve("tls/selfsigned-cert.pem");
    }

    private Path keyFile() {
        return data.resolve("tls/selfsigned-key.pem");
    }

    private static BigInteger serial(TlsContext tls) {
        return tls.certificateChain().getFirst().getSerialNumber();
    }

    @Test
    void createsCertificateForHostname() throws Exception {
        TlsContext tls = TlsContext.selfSigned(data, "mail.test", clock);
        CertificateInfo info = tls.info();

        assertEquals("CN=mail.test", info.subject());
        assertEquals("CN=mail.test", info.issuer());
        assertEquals(List.of("mail.test"), info.dnsNames());
        assertTrue(info.selfSigned());
        assertEquals(T0.minus(Duration.ofHours(1)), info.notBefore());
        assertEquals(T0.plus(Duration.ofDays(365)), info.notAfter());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile())));
        assertTrue(Files.readString(keyFile()).startsWith("-----BEGIN PRIVATE KEY-----"));
        assertTrue(Files.readString(certFile()).startsWith("-----BEGIN CERTIFICATE-----"));
        // The files are what an operator may later hand to fromPem, and openssl agrees with our reading.
        assertEquals(serial(tls), serial(TlsContext.fromPem(certFile(), keyFile())));
        String text = TlsTestSupport.openssl(data, "x509", "-in", certFile().toString(), "-noout", "-ext",
                "subjectAltName");
        assertTrue(text.contains("DNS:mail.test"), text);
    }

    @Test
    void reusedOnTheNextStart() throws Exception {
        TlsContext first = TlsContext.selfSigned(data, "mail.test", clock);
        byte[] pem = Files.readAllBytes(certFile());
        clock.advanceSeconds(Duration.ofDays(100).toSeconds());

        TlsContext second = TlsContext.selfSigned(data, "mail.test", clock);

        assertEquals(serial(first), serial(second));
        assertArrayEquals(pem, Files.readAllBytes(certFile()));
    }

    @Test
    void hostnameMatchIgnoresCase() {
        TlsContext first = TlsContext.selfSigned(data, "mail.test", clock);

        assertEquals(serial(first), serial(TlsContext.selfSigned(data, "MAIL.Test", clock)));
    }

    @Test
    void regeneratedWhenHostnameChanges() {
        TlsContext first = TlsContext.selfSigned(data, "mail.test", clock);

        TlsContext second = TlsContext.selfSigned(data, "mx.other.test", clock);

        assertNotEquals(serial(first), serial(second));
        assertEquals(List.of("mx.other.test"), second.info().dnsNames());
        assertEquals("CN=mx.other.test", second.info().subject());
    }

    @Test
    void regeneratedWhenExpired() {
        TlsContext first = TlsContext.selfSigned(data, "mail.test", clock);
        clock.set(T0.plus(Duration.ofDays(365)));

        TlsContext second = TlsContext.selfSigned(data, "mail.test", clock);

        assertNotEquals(serial(first), serial(second));
        assertEquals(T0.plus(Duration.ofDays(730)), second.info().notAfter());
    }

    @Test
    void regeneratedWhenFilesAreDamaged() throws Exception {
        TlsContext first = TlsContext.selfSigned(data, "mail.test", clock);
        Files.writeString(keyFile(), "damaged");

        TlsContext second = TlsContext.selfSigned(data, "mail.test", clock);

        assertNotEquals(serial(first), serial(second));
        assertEquals(serial(second), serial(TlsContext.fromPem(certFile(), keyFile())));
    }

    @Test
    void servesTls13() throws Exception {
        TlsContext tls = TlsContext.selfSigned(data, "mail.test", clock);
        try (OneShotServer server = new OneShotServer(tls::wrapServer)) {
            TlsTestSupport.ClientResult c = TlsTestSupport.connect(server.port(), null, null);

            assertNull(server.await().failure());
            assertEquals("TLSv1.3", c.protocol());
            assertEquals("CN=mail.test", c.leafSubject());
        }
    }
}
