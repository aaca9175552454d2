package org.tegami.net.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.net.tls.TlsTestSupport.ClientResult;
import org.tegami.net.tls.TlsTestSupport.OneShotServer;
import org.tegami.net.tls.TlsTestSupport.ServerResult;

/** Real handshakes on 127.0.0.1 against sockets wrapped by {@link TlsContext#wrapServer}. */
class TlsHandshakeTest {
    private static final String CBC = "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256";

    @TempDir
    static Path dir;
    static TlsContext rsa;

    @BeforeAll
    static void certificate() throws Exception {
        // RSA, so the ECDHE_RSA suites below are candidates at all.
        TlsTestSupport.rsaPair(dir, "rsa", "rsa.example");
        rsa = TlsContext.fromPem(dir.resolve("rsa-cert.pem"), dir.resolve("rsa-key.pem"));
    }

    @Test
    void wrappedSocketCarriesThePolicy() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), ss.getLocalPort());
             Socket accepted = ss.accept();
             SSLSocket ssl = rsa.wrapServer(accepted)) {
            assertTrue(client.isConnected());
            assertFalse(ssl.getUseClientMode());
            assertArrayEquals(new String[] {"TLSv1.3", "TLSv1.2"}, ssl.getEnabledProtocols());
            assertTrue(ssl.getSSLParameters().getUseCipherSuitesOrder());
            List<String> suites = Arrays.asList(ssl.getEnabledCipherSuites());
            assertTrue(suites.containsAll(List.of("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256",
                    "TLS_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256")),
                    suites.toString());
            assertEquals(List.of(), suites.stream().filter(s -> !TlsPolicy.allowed(s)).toList());
        }
    }

    @Test
    void tls13Succeeds() throws Exception {
        try (OneShotServer server = new OneShotServer(rsa::wrapServer)) {
            ClientResult c = TlsTestSupport.connect(server.port(), new String[] {"TLSv1.3"}, null);
            ServerResult s = server.await();

            assertNull(s.failure());
            assertEquals("TLSv1.3", c.protocol());
            // Server preference: AES-256-GCM is first in our order although the JDK client lists it first too;
            // the TLS 1.2 test below shows the server's order winning over the client's.
            assertEquals("TLS_AES_256_GCM_SHA384", c.cipherSuite());
            assertEquals("CN=rsa.example", c.leafSubject());
        }
    }

    @Test
    void tls12WithEcdheGcmSucceeds() throws Exception {
        try (OneShotServer server = new OneShotServer(rsa::wrapServer)) {
            ClientResult c = TlsTestSupport.connect(server.port(), new String[] {"TLSv1.2"},
                    new String[] {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"});

            assertNull(server.await().failure());
            assertEquals("TLSv1.2", c.protocol());
            assertEquals("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", c.cipherSuite());
        }
    }

    @Test
    void tls12ServerOrderWinsOverClientOrder() throws Exception {
        try (OneShotServer server = new OneShotServer(rsa::wrapServer)) {
            ClientResult c = TlsTestSupport.connect(server.port(), new String[] {"TLSv1.2"},
                    new String[] {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"});

            assertNull(server.await().failure());
            assertEquals("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", c.cipherSuite());
        }
    }

    @Test
    void tls12WithOnlyCbcFails() throws Exception {
        try (OneShotServer server = new OneShotServer(rsa::wrapServer)) {
            assertThrows(SSLException.class,
                    () -> TlsTestSupport.connect(server.port(), new String[] {"TLSv1.2"}, new String[] {CBC}));
            ServerResult s = server.await();

            assertInstanceOf(SSLException.class, s.failure());
            assertTrue(s.failure().getMessage().contains("no cipher suites in common"), s.failure().getMessage());
        }
    }

    /** Control for the test above: the same client does negotiate CBC with an unrestricted JDK server. */
    @Test
    void cbcClientWorksWithoutThePolicy() throws Exception {
        TlsTestSupport.Wrapper unrestricted = plain -> {
            SSLSocket ssl = (SSLSocket) rsa.sslContext().getSocketFactory()
                    .createSocket(plain, null, plain.getPort(), true);
            ssl.setUseClientMode(false);
            return ssl;
        };
        try (OneShotServer server = new OneShotServer(unrestricted)) {
            ClientResult c = TlsTestSupport.connect(server.port(), new String[] {"TLSv1.2"}, new String[] {CBC});

            assertNull(server.await().failure());
            assertEquals(CBC, c.cipherSuite());
        }
    }

    /** The JDK client cannot offer TLS 1.1 at all (java.security disables it), so openssl plays the old client. */
    @Test
    void tls11ClientFails() throws Exception {
        try (OneShotServer server = new OneShotServer(rsa::wrapServer)) {
            Process p = new ProcessBuilder("/usr/bin/openssl", "s_client", "-connect", "127.0.0.1:" + server.port(),
                    "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0").redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
            ServerResult s = server.await();

            assertNotEquals(0, p.exitValue(), out);
            assertNotNull(s.failure());
            assertTrue(s.failure().getMessage().contains("TLSv1.1"), s.failure().getMessage());
        }
    }

    @Test
    void chainIsPresentedLeafFirst() throws Exception {
        Path chainDir = dir.resolve("chain");
        Files.createDirectories(chainDir);
        TlsContextPemTest.makeChain(chainDir);
        TlsContext tls = TlsContext.fromPem(chainDir.resolve("fullchain.pem"), chainDir.resolve("leaf.key"));
        try (OneShotServer server = new OneShotServer(tls::wrapServer)) {
            ClientResult c = TlsTestSupport.connect(server.port(), null, null);

            assertNull(server.await().failure());
            assertEquals(List.of("CN=mail.example", "CN=Tiny CA"),
                    c.chain().stream().map(x -> x.getSubjectX500Principal().getName()).toList());
        }
    }
}
