package org.tegami.net.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.net.tls.TlsTestSupport.MutableClock;
import org.tegami.net.tls.TlsTestSupport.OneShotServer;

/** Certbot renewals are picked up by the next connection, and a broken renewal never stops serving. */
class TlsReloadTest {
    @TempDir
    Path dir;
    Path cert;
    Path key;
    MutableClock clock = new MutableClock(Instant.now());
    TlsContext tls;

    @BeforeEach
    void setUp() throws Exception {
        TlsTestSupport.ecPair(dir, "old", "old.example");
        TlsTestSupport.ecPair(dir, "new", "new.example");
        cert = dir.resolve("fullchain.pem");
        key = dir.resolve("privkey.pem");
        install("old-cert.pem", cert);
        install("old-key.pem", key);
        tls = TlsContext.fromPem(cert, key, clock);
    }

    /** Replaces a file the way certbot's symlink switch does: a new file appears under the old name. */
    private void install(String from, Path to) throws Exception {
        Path tmp = dir.resolve(to.getFileName() + ".tmp");
        Files.copy(dir.resolve(from), tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private String presentedSubject() throws Exception {
        try (OneShotServer server = new OneShotServer(tls::wrapServer)) {
            String subject = TlsTestSupport.connect(server.port(), null, null).leafSubject();
            assertNull(server.await().failure());
            return subject;
        }
    }

    @Test
    void renewedFilesAreServedAfterTheCheckInterval() throws Exception {
        assertEquals("CN=old.example", presentedSubject());
        install("new-cert.pem", cert);
        install("new-key.pem", key);

        clock.advanceSeconds(1);
        assertEquals("CN=old.example", presentedSubject(), "checked at most every 2 s");
        clock.advanceSeconds(1);
        assertEquals("CN=new.example", presentedSubject());

        assertEquals("CN=new.example", tls.info().subject());
        assertEquals(Optional.empty(), tls.lastReloadError());
    }

    @Test
    void garbageKeepsTheOldCertificateAndRecordsTheError() throws Exception {
        Files.writeString(dir.resolve("garbage"), "not a certificate\n");
        install("garbage", cert);
        clock.advanceSeconds(2);

        assertEquals("CN=old.example", presentedSubject());
        assertEquals("CN=old.example", tls.info().subject());
        assertEquals(Optional.of("no certificate (BEGIN CERTIFICATE) found in " + cert + ": point [tls] cert to"
                + " fullchain.pem; a DER file converts with `openssl x509 -inform der -in FILE -out fullchain.pem`"),
                tls.lastReloadError());

        install("old-cert.pem", cert);
        assertTrue(tls.reloadIfChanged());
        assertEquals(Optional.empty(), tls.lastReloadError());
    }

    @Test
    void halfWrittenRenewalWaitsForTheMatchingKey() throws Exception {
        install("new-cert.pem", cert);
        assertFalse(tls.reloadIfChanged());
        assertTrue(tls.lastReloadError().orElseThrow().startsWith("TLS private key " + key + " does not match"),
                tls.lastReloadError().toString());
        assertEquals("CN=old.example", presentedSubject());

        install("new-key.pem", key);
        assertTrue(tls.reloadIfChanged());

        assertEquals("CN=new.example", presentedSubject());
        assertEquals(Optional.empty(), tls.lastReloadError());
    }

    @Test
    void unchangedFilesAreNotReloaded() throws Exception {
        assertFalse(tls.reloadIfChanged());
        assertEquals(Optional.empty(), tls.lastReloadError());
    }

    @Test
    void deletedFilesKeepServing() throws Exception {
        Files.delete(cert);

        assertFalse(tls.reloadIfChanged());

        assertEquals("CN=old.example", presentedSubject());
        assertTrue(tls.lastReloadError().orElseThrow().startsWith("TLS certificate file not found: " + cert),
                tls.lastReloadError().toString());
    }
}
