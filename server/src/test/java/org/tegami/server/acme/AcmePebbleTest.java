package org.tegami.server.acme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.server.TegamiServer;
import org.tegami.server.config.ConfigLoader;
import org.tegami.testkit.TestDnsServer;

/**
 * ACME against Pebble, Let's Encrypt's test CA, with real validation: Pebble resolves the names through a test DNS
 * server to 127.0.0.1 and connects to our HTTP listener (HTTP-01) or HTTPS listener (TLS-ALPN-01, RFC 8737). The
 * issued certificate is then checked over the wire on IMAPS and SMTP STARTTLS, chained to Pebble's root.
 */
class AcmePebbleTest {
    @TempDir Path dir;
    TestDnsServer dns;
    Process pebble;
    TegamiServer server;
    int pebblePort;
    int pebbleMgmtPort;
    SSLContext pebbleTrust;
    final MovableClock clock = new MovableClock();

    /** The system clock, moved forward by hand to make renewal due. */
    static final class MovableClock implements InstantSource {
        volatile Duration offset = Duration.ZERO;

        @Override
        public Instant instant() {
            return Instant.now().plus(offset);
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        boolean installed = System.getenv("PATH") != null && java.util.Arrays.stream(System.getenv("PATH").split(":"))
                .anyMatch(p -> Files.isExecutable(Path.of(p, "pebble")));
        Assumptions.assumeTrue(installed, "pebble is not installed (apt-get install pebble; .ci/run installs it): ACME"
                + " tests against a real CA skipped");
        dns = new TestDnsServer();
        for (String n : List.of("mail.example.test", "mta-sts.example.test", "autoconfig.example.test")) {
            dns.add(n + ". 60 IN A 127.0.0.1");
        }
        // example.org: its MTA-STS name points where nothing listens (the operator has not moved it here yet)
        dns.add("autoconfig.example.org. 60 IN A 127.0.0.1");
        dns.add("mta-sts.example.org. 60 IN A 127.0.0.2");
        pebblePort = freePort();
        pebbleMgmtPort = freePort();
        pebbleTrust = writePebbleCertificate();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) server.close();
        if (pebble != null) {
            pebble.destroy();
            if (!pebble.waitFor(10, TimeUnit.SECONDS)) pebble.destroyForcibly();
        }
        if (dns != null) dns.close();
    }

    @Test
    void http01CertificateIsServedOnImapsAndSmtpAndRenewalSwapsItIn() throws Exception {
        server = startTegami("http = [\"127.0.0.1:0\"]\n");
        int httpPort = server.http().getFirst().port();
        startPebble(httpPort, freePort());
        AcmeManager acme = server.acme().orElseThrow();
        acme.wake(); // the attempt at startup found no CA yet: retry now rather than after the backoff
        X509Certificate first = waitForAcmeCertificate(null);
        X509Certificate root = pebbleRoot();

        X509Certificate imaps = presented(root, this::imapsSocket);
        X509Certificate smtp = presented(root, this::smtpStartTls);
        assertEquals(first.getSerialNumber(), imaps.getSerialNumber());
        assertEquals(first.getSerialNumber(), smtp.getSerialNumber());
        assertEquals(List.of("mail.example.test"), sans(imaps));
        assertFiles();

        // Two thirds into its lifetime the certificate is renewed and served without a restart.
        // The moved clock also ages the renewed certificate: a clock moved to D + s makes a certificate issued
        // k seconds after the first one due again k - s seconds after its issue. With the first certificate at
        // least 10 s old and s = 1 s, the loop has 9 s before it would renew twice; the offset is reset long before.
        Instant firstIssued = first.getNotBefore().toInstant();
        long wait = Duration.between(Instant.now(), firstIssued.plusSeconds(11)).toMillis();
        if (wait > 0) Thread.sleep(wait);
        clock.offset = Duration.between(Instant.now(), AcmeManager.renewalDue(first)).plusSeconds(1);
        acme.wake();
        X509Certificate renewed = waitForAcmeCertificate(first);
        clock.offset = Duration.ZERO;
        assertNotEquals(first.getSerialNumber(), renewed.getSerialNumber());
        X509Certificate after = presented(root, this::imapsSocket);
        assertFalse(after.getSerialNumber().equals(first.getSerialNumber()), "IMAPS still presents the old certificate");
        assertEquals(renewed.getSerialNumber(), presented(root, this::smtpStartTls).getSerialNumber());
    }

    @Test
    void tlsAlpn01CoversHostedDomainsAndSurvivesARestart() throws Exception {
        server = startTegami("https = [\"127.0.0.1:0\"]\n");
        server.store().accounts().addDomain("example.test");
        int httpsPort = server.http().getFirst().port();
        startPebble(freePort(), httpsPort);
        server.acme().orElseThrow().wake();
        X509Certificate cert = waitForAcmeCertificate(null);
        assertEquals(Set.of("mail.example.test", "mta-sts.example.test", "autoconfig.example.test"), Set.copyOf(sans(cert)));
        X509Certificate root = pebbleRoot();
        assertEquals(cert.getSerialNumber(), presented(root, this::imapsSocket).getSerialNumber());
        assertTrue(server.tls().acmeChallenges().isEmpty(), "challenge certificates are taken down afterwards");

        // A restart serves the stored certificate at once, and orders nothing new.
        server.close();
        server = startTegami("https = [\"127.0.0.1:0\"]\n");
        assertEquals(cert.getSerialNumber(), ((X509Certificate) server.tls().certificateChain().getFirst()).getSerialNumber());
        assertEquals(cert.getSerialNumber(), presented(root, this::imapsSocket).getSerialNumber());
    }

    @Test
    void anExtraNameTheCaCannotValidateIsLeftOutAndTheRestIsIssued() throws Exception {
        server = startTegami("https = [\"127.0.0.1:0\"]\n");
        server.store().accounts().addDomain("example.org");
        startPebble(freePort(), server.http().getFirst().port());
        server.acme().orElseThrow().wake();
        X509Certificate cert = waitForAcmeCertificate(null);
        assertEquals(Set.of("mail.example.test", "autoconfig.example.org"), Set.copyOf(sans(cert)));
        assertEquals(cert.getSerialNumber(), presented(pebbleRoot(), this::imapsSocket).getSerialNumber());
    }

    private TegamiServer startTegami(String listenExtra) throws Exception {
        Path cfg = dir.resolve("tegami.toml");
        Files.writeString(cfg, "hostname = \"mail.example.test\"\ndata_dir = \"d\"\n[listen]\n"
                + "smtp = [\"127.0.0.1:0\"]\nsubmission = []\nsubmissions = []\npop3 = []\npop3s = []\nimap = []\n"
                + "imaps = [\"127.0.0.1:0\"]\nmanagesieve = []\nmetrics = []\n" + listenExtra
                + "[tls]\nacme = \"https://localhost:" + pebblePort + "/dir\"\nacme_email = \"postmaster@example.test\"\n"
                + "acme_ca = \"pebble-ca.pem\"\n"
                + "[dns]\nnameservers = [\"127.0.0.1:" + dns.address().getPort() + "\"]\ndane = false\n"
                + "[inbound]\nverify = false\n");
        return TegamiServer.start(ConfigLoader.load(cfg), clock);
    }

    private void startPebble(int httpPort, int tlsPort) throws Exception {
        Path config = dir.resolve("pebble.json");
        Files.writeString(config, """
                {"pebble": {"listenAddress": "127.0.0.1:%d", "managementListenAddress": "127.0.0.1:%d",
                  "certificate": "%s", "privateKey": "%s", "httpPort": %d, "tlsPort": %d,
                  "ocspResponderURL": "", "externalAccountBindingRequired": false}}
                """.formatted(pebblePort, pebbleMgmtPort, dir.resolve("pebble-cert.pem"), dir.resolve("pebble-key.pem"),
                httpPort, tlsPort));
        ProcessBuilder pb = new ProcessBuilder("pebble", "-config", config.toString(), "-dnsserver",
                "127.0.0.1:" + dns.address().getPort());
        pb.environment().put("PEBBLE_VA_NOSLEEP", "1");
        pb.environment().put("PEBBLE_VA_ALWAYS_VALID", "0"); // validation is real
        pb.environment().put("PEBBLE_WFE_NONCEREJECT", "0");
        pb.environment().put("PEBBLE_AUTHZREUSE", "0");      // every order validates again
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("pebble.log").toFile());
        pebble = pb.start();
        HttpClient client = HttpClient.newBuilder().sslContext(pebbleTrust).connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                var r = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + pebblePort + "/dir")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("pebble did not start: " + Files.readString(dir.resolve("pebble.log")), e);
                }
            }
            Thread.sleep(100);
        }
    }

    private X509Certificate waitForAcmeCertificate(X509Certificate previous) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            X509Certificate leaf = server.tls().certificateChain().getFirst();
            if (!server.tls().info().selfSigned() && leaf.getIssuerX500Principal().getName().contains("Pebble")
                    && (previous == null || !leaf.getSerialNumber().equals(previous.getSerialNumber()))) {
                return leaf;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no ACME certificate within 30 s; last error: "
                + server.acme().flatMap(AcmeManager::lastError).orElse("none") + "\npebble log:\n"
                + Files.readString(dir.resolve("pebble.log")));
    }

    private X509Certificate pebbleRoot() throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(pebbleTrust).build();
        String pem = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + pebbleMgmtPort + "/roots/0")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return AcmeManager.readChain(new java.io.ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))).getFirst();
    }

    interface Connect {
        SSLSocket open(SSLContext ctx) throws Exception;
    }

    /** Connects, verifies the chain to Pebble's root and the name mail.example.test (PKIX), returns the leaf. */
    private static X509Certificate presented(X509Certificate root, Connect connect) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("pebble-root", root);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        try (SSLSocket s = connect.open(ctx)) {
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    private SSLSocket imapsSocket(SSLContext ctx) throws Exception {
        Socket plain = new Socket("127.0.0.1", server.port("imaps"));
        SSLSocket s = tlsOver(ctx, plain);
        String greeting = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        assertTrue(greeting.startsWith("* OK"), greeting);
        return s;
    }

    private SSLSocket smtpStartTls(SSLContext ctx) throws Exception {
        Socket plain = new Socket("127.0.0.1", server.port("smtp"));
        plain.setSoTimeout(10_000);
        var in = new BufferedReader(new InputStreamReader(plain.getInputStream(), StandardCharsets.US_ASCII));
        OutputStream out = plain.getOutputStream();
        assertTrue(in.readLine().startsWith("220 "));
        out.write("EHLO client.example\r\n".getBytes(StandardCharsets.US_ASCII));
        String line;
        while ((line = in.readLine()) != null && !line.startsWith("250 ")) { }
        out.write("STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals("220 2.0.0 Ready to start TLS", in.readLine());
        return tlsOver(ctx, plain);
    }

    /** TLS with SNI and RFC 6125 name checks for mail.example.test, as a mail client configured with that name. */
    private static SSLSocket tlsOver(SSLContext ctx, Socket plain) throws IOException {
        plain.setSoTimeout(10_000);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(plain, "mail.example.test", plain.getPort(), true);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    private static List<String> sans(X509Certificate c) throws Exception {
        List<String> out = new ArrayList<>();
        for (List<?> san : c.getSubjectAlternativeNames()) if (Integer.valueOf(2).equals(san.get(0))) out.add((String) san.get(1));
        return out;
    }

    private void assertFiles() throws IOException {
        Path d = dir.resolve("d");
        for (Path f : List.of(AcmeManager.keyFile(d), AcmeManager.chainFile(d), AcmeManager.dir(d).resolve("account.key"))) {
            assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                    Files.getPosixFilePermissions(f), f.toString());
        }
    }

    /** For Pebble, another process: a port nothing else takes before it binds. */
    private static int freePort() throws IOException {
        return org.tegami.testkit.FreePort.pick();
    }

    /** A self-signed certificate for Pebble's own HTTPS (localhost), trusted through {@code [tls] acme_ca}. */
    private SSLContext writePebbleCertificate() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair kp = g.generateKeyPair();
        X500Name name = new X500Name("CN=localhost");
        Instant now = Instant.now();
        var b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minusSeconds(60)),
                Date.from(now.plus(Duration.ofDays(1))), name, kp.getPublic());
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
        Base64.Encoder enc = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        String certPem = "-----BEGIN CERTIFICATE-----\n" + enc.encodeToString(cert.getEncoded()) + "\n-----END CERTIFICATE-----\n";
        Files.writeString(dir.resolve("pebble-cert.pem"), certPem);
        Files.writeString(dir.resolve("pebble-ca.pem"), certPem);
        Files.writeString(dir.resolve("pebble-key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                + enc.encodeToString(kp.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        return TrustingProvider.context(dir.resolve("pebble-ca.pem"));
    }
}
