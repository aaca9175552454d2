package org.tegami.server.acme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.core.TegamiException;
import org.tegami.net.tls.TlsContext;
import org.tegami.server.TegamiServer;
import org.tegami.server.config.ConfigLoader;
import org.tegami.testkit.TestTls;

/** ACME without a CA: failures keep the server up, the challenge path's limits, renewal timing, config errors. */
class AcmeManagerTest {
    @TempDir Path dir;

    private Path config(String tls, String listen) throws Exception {
        return Files.writeString(dir.resolve("tegami.toml"), "hostname = \"mail.example.test\"\ndata_dir = \"d\"\n[listen]\n"
                + "smtp = []\nsubmission = []\nsubmissions = []\npop3 = []\npop3s = []\nimap = []\n"
                + "imaps = [\"127.0.0.1:0\"]\nmanagesieve = []\nmetrics = []\n" + listen + "[tls]\n" + tls);
    }

    @Test
    void unreachableCaIsLoggedAndRetriedWhileTheSelfSignedCertificateServes() throws Exception {
        int closed = org.tegami.testkit.FreePort.pick(); // nothing listens there: the CA is unreachable
        try (TegamiServer server = TegamiServer.start(ConfigLoader.load(config(
                "acme = \"https://127.0.0.1:" + closed + "/dir\"\n", "http = [\"127.0.0.1:0\"]\n")), InstantSource.system())) {
            AcmeManager acme = server.acme().orElseThrow();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (acme.lastError().isEmpty() && System.nanoTime() < deadline) Thread.sleep(50);
            String error = acme.lastError().orElseThrow();
            assertTrue(error.startsWith("cannot reach the CA at https://127.0.0.1:" + closed + "/dir"), error);
            assertTrue(error.endsWith("check [tls] acme and that this host can make outgoing HTTPS connections"), error);
            assertTrue(server.tls().info().selfSigned());
            // IMAPS still answers, with the self-signed certificate
            try (Socket plain = new Socket("127.0.0.1", server.port("imaps"));
                 SSLSocket s = (SSLSocket) TestTls.trustAllClientContext().getSocketFactory()
                         .createSocket(plain, "mail.example.test", plain.getPort(), true)) {
                s.setSoTimeout(10_000);
                String greeting = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
                assertTrue(greeting.startsWith("* OK"), greeting);
            }
            // The challenge path answers only pending tokens, and only token-shaped ones.
            HttpClient client = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + server.http().getFirst().port() + "/.well-known/acme-challenge/";
            for (String path : List.of("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "short", "a.b-c_dAAAAAAAAAAAAAAAAAAAAA",
                    "A".repeat(300))) {
                var r = client.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(404, r.statusCode(), path);
            }
            assertEquals(405, client.send(HttpRequest.newBuilder(URI.create(base + "A".repeat(43)))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    @Test
    void renewalIsDueTwoThirdsIntoTheLifetimeOrAtOnceWhenANameIsMissing() {
        TlsContext tls = TlsContext.selfSigned(dir, "mail.example.test", InstantSource.system());
        X509Certificate c = tls.certificateChain().getFirst();
        Duration life = Duration.between(c.getNotBefore().toInstant(), c.getNotAfter().toInstant());
        assertEquals(c.getNotBefore().toInstant().plus(life.multipliedBy(2).dividedBy(3)), AcmeManager.renewalDue(c));
        assertTrue(AcmeManager.covers(c, List.of("MAIL.example.test")));
        assertFalse(AcmeManager.covers(c, List.of("mail.example.test", "mta-sts.example.test")));
    }

    @Test
    void configErrorsNameTheKey() throws Exception {
        var e = org.junit.jupiter.api.Assertions.assertThrows(TegamiException.class, () -> ConfigLoader.load(config(
                "acme = \"https://ca.example/dir\"\n", "")));
        assertTrue(e.getMessage().contains("tls.acme") && e.getMessage().contains("[listen] http"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(TegamiException.class, () -> ConfigLoader.load(config(
                "acme = \"http://ca.example/dir\"\n", "http = [\"127.0.0.1:0\"]\n")));
        assertTrue(e.getMessage().contains("https://"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(TegamiException.class, () -> ConfigLoader.load(config(
                "acme_email = \"a@b.example\"\n", "")));
        assertTrue(e.getMessage().contains("tls.acme_email"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(TegamiException.class, () -> ConfigLoader.load(config(
                "acme = \"https://ca.example/dir\"\ncert = \"a.pem\"\nkey = \"b.pem\"\n", "http = [\"127.0.0.1:0\"]\n")));
        assertTrue(e.getMessage().contains("not both"), e.getMessage());
    }
}
