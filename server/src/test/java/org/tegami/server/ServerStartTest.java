package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.mime.EmailAddress;
import org.tegami.server.config.ConfigLoader;

/** The wiring on ephemeral loopback ports: what binds, what the first byte says, and what the operator reads. */
class ServerStartTest {
    /** Self-signed certificates are valid for 365 days from the clock, so notAfter is 2027-01-01. */
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;

    /** Starts with only the named services listening, each on one ephemeral loopback port. */
    private TegamiServer start(String... services) throws Exception {
        StringBuilder toml = new StringBuilder("hostname = \"mail.example.test\"\ndata_dir = \"d\"\n[listen]\n");
        for (String svc : List.of("smtp", "submission", "submissions", "pop3", "pop3s", "imap", "imaps", "managesieve")) {
            toml.append(svc).append(List.of(services).contains(svc) ? " = [\"127.0.0.1:0\"]\n" : " = []\n");
        }
        Path f = dir.resolve("tegami.toml");
        Files.writeString(f, toml);
        return TegamiServer.start(ConfigLoader.load(f), InstantSource.fixed(NOW));
    }

    @Test
    void smtpListenerOnPortZeroGreetsAndClosesWithTheServer() throws Exception {
        int port;
        try (TegamiServer s = start("smtp", "imap")) {
            port = s.port("smtp");
            assertEquals(List.of("smtp", "imap"), s.listeners().stream().map(TegamiServer.Bound::service).toList());
            assertEquals("no listener for imaps", assertThrows(IllegalArgumentException.class, () -> s.port("imaps")).getMessage());
            try (Socket sock = new Socket("127.0.0.1", s.port("imap"))) {
                sock.setSoTimeout(5000);
                var in = new BufferedReader(new InputStreamReader(sock.getInputStream(), StandardCharsets.US_ASCII));
                assertEquals("* OK [CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ENABLE ID STARTTLS LOGINDISABLED]"
                        + " mail.example.test Tegami IMAP4rev2 server ready", in.readLine());
            }
            try (Socket sock = new Socket("127.0.0.1", port)) {
                sock.setSoTimeout(5000);
                var in = new BufferedReader(new InputStreamReader(sock.getInputStream(), StandardCharsets.US_ASCII));
                assertEquals("220 mail.example.test ESMTP Tegami", in.readLine());
            }
        }
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close(), "close() stops the listener");
    }

    /**
     * The managesieve listener is wired to the server's store, TLS and login: over the wire, RFC 5804 §1.7's greeting
     * with the provisional checker's empty SIEVE list, STARTTLS, AUTHENTICATE, PUTSCRIPT, SETACTIVE; the script is in
     * the store delivery reads. The summary names the listener.
     */
    @Test
    void manageSieveListenerServesTheStore() throws Exception {
        try (TegamiServer s = start("managesieve")) {
            int port = s.port("managesieve");
            assertTrue(summary(s, NOW).contains(String.format("    %-12s %-22s %-13s %s%n", "managesieve", "127.0.0.1:" + port,
                    "STARTTLS", "ManageSieve: users' Sieve filter scripts (login over TLS only)")), summary(s, NOW));
            s.store().accounts().addDomain("example.test");
            var alice = s.store().accounts().addUser(EmailAddress.parse("alice@example.test").orElseThrow(),
                    new org.tegami.auth.PasswordHasher().hash("alice-password".toCharArray()));
            try (Socket plain = new Socket("127.0.0.1", port)) {
                plain.setSoTimeout(5000);
                var in = new BufferedReader(new InputStreamReader(plain.getInputStream(), StandardCharsets.UTF_8));
                // the real compiler's extensions (RFC 5804 §1.7), its redirect limit
                String sieve = "\"SIEVE\" \"" + String.join(" ", org.tegami.sieve.Sieve.extensions()) + "\"";
                List<String> greeting = List.of("\"IMPLEMENTATION\" \"Tegami\"", sieve, "\"MAXREDIRECTS\" \"4\"", "\"SASL\" \"\"",
                        "\"STARTTLS\"", "\"UNAUTHENTICATE\"", "\"VERSION\" \"1.0\"", "OK \"Tegami ManageSieve ready\"");
                for (String line : greeting) assertEquals(line, in.readLine());
                plain.getOutputStream().write("STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("OK \"Begin TLS negotiation now\"", in.readLine());
                var tls = (javax.net.ssl.SSLSocket) org.tegami.testkit.TestTls.trustAllClientContext().getSocketFactory()
                        .createSocket(plain, "127.0.0.1", port, false);
                tls.startHandshake();
                var tin = new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.UTF_8));
                var out = tls.getOutputStream();
                for (String line : List.of("\"IMPLEMENTATION\" \"Tegami\"", sieve, "\"MAXREDIRECTS\" \"4\"", "\"SASL\" \"PLAIN LOGIN\"",
                        "\"UNAUTHENTICATE\"", "\"VERSION\" \"1.0\"", "OK \"TLS negotiation successful\"")) {
                    assertEquals(line, tin.readLine());
                }
                out.write(("AUTHENTICATE \"PLAIN\" \"" + java.util.Base64.getEncoder().encodeToString(
                        "\0alice@example.test\0alice-password".getBytes(StandardCharsets.UTF_8)) + "\"\r\n"
                        + "PUTSCRIPT \"main\" {7+}\r\nkeep;\r\n\r\nSETACTIVE \"main\"\r\nLOGOUT\r\n").getBytes(StandardCharsets.US_ASCII));
                assertEquals(List.of("OK \"Authenticated\"", "OK \"Script stored\"", "OK \"Script activated\"",
                        "OK \"Logout completed\""), List.of(tin.readLine(), tin.readLine(), tin.readLine(), tin.readLine()));
            }
            assertEquals(java.util.Optional.of("keep;\r\n"), s.store().sieve().active(alice.id()));
        }
    }

    private static String summary(TegamiServer s, Instant now) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        StartupSummary.print(s, now, new PrintStream(b, true, StandardCharsets.UTF_8));
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void summaryNamesListenersCertificateAndAccounts() throws Exception {
        try (TegamiServer s = start("smtp", "submissions", "imap")) {
            int smtp = s.port("smtp");
            int subs = s.port("submissions");
            int imap = s.port("imap");
            String expected = String.join("\n",
                    "Tegami mail server",
                    "  hostname      mail.example.test",
                    "  config        " + dir.resolve("tegami.toml").toAbsolutePath(),
                    "  data          " + dir.resolve("d").toAbsolutePath(),
                    "  store         embedded (SQLite and blob files under data)",
                    "  blobs         over 128 KiB: files under " + dir.resolve("d").toAbsolutePath().resolve("blobs")
                            + "; smaller: in meta.db",
                    "  listening",
                    String.format("    %-12s %-22s %-13s %s", "smtp", "127.0.0.1:" + smtp, "STARTTLS",
                            "inbound MX: mail for local domains, no AUTH"),
                    String.format("    %-12s %-22s %-13s %s", "submissions", "127.0.0.1:" + subs, "implicit TLS",
                            "mail submission: AUTH required (over TLS)"),
                    String.format("    %-12s %-22s %-13s %s", "imap", "127.0.0.1:" + imap, "STARTTLS",
                            "IMAP4rev2/rev1 mailboxes (login over TLS only)"),
                    "  mail client settings (user name: the full email address; password: normal)",
                    // A loopback listener is shown by address: "localhost" may resolve to ::1 first. IMAP comes first.
                    String.format("    %-9s %-5s %-28s port %-5d %s", "incoming", "IMAP", "127.0.0.1", imap, "STARTTLS"),
                    String.format("    %-9s %-5s %-28s port %-5d %s", "outgoing", "SMTP", "127.0.0.1", subs, "SSL/TLS"),
                    "  inbound       authentication (SPF, DKIM, DMARC, ARC) -> spam (GTUBE, classifier) -> user rules (Sieve)"
                            + " -> store",
                    "  senders       SPF, DKIM, ARC, DMARC checked; DMARC reject refused (550 5.7.1), quarantine to Junk",
                    "  senders       DMARC aggregate reports: not sent ([inbound] dmarc_reports)",
                    "  spam          GTUBE refused; classifier on: Junk at 0.90, never refused, learning on",
                    "  forwarding    SRS, ARC-sealed with the alias domain's DKIM key, at most 1000 copies per alias and hour"
                            + " (more are delayed), loops stop at Delivered-To or 50 Received fields",
                    "  fetch         every 5 min, 0 sources (tegami fetch list)",
                    "  certificate   CN=mail.example.test (issuer CN=mail.example.test), valid until 2027-01-01",
                    "  WARNING       the certificate is self-signed: clients will warn. Set [tls] cert and key to"
                            + " certbot's fullchain.pem and privkey.pem for mail.example.test.",
                    "  accounts      0 domain(s), 0 user(s)",
                    "                add one: tegami domain add example.com",
                    "                add a user: tegami user add alice@example.com",
                    "");
            assertEquals(expected, summary(s, NOW));

            s.store().accounts().addDomain("example.test");
            s.store().accounts().addUser(EmailAddress.parse("alice@example.test").orElseThrow(), "x");
            String soon = summary(s, Instant.parse("2026-12-22T00:00:00Z"));
            assertEquals(List.of("  WARNING       the certificate expires on 2027-01-01, within 14 days: renew it (certbot renew);"
                            + " Tegami picks up the new files without a restart.", "  accounts      1 domain(s), 1 user(s)"),
                    soon.lines().skip(soon.lines().count() - 2).toList());
            String expired = summary(s, Instant.parse("2027-01-02T00:00:00Z"));
            assertEquals("  WARNING       the certificate EXPIRED on 2027-01-01: renew it (certbot renew).",
                    expired.lines().toList().get(expired.lines().toList().size() - 2));
        }
    }

    @Test
    void summarySaysWhenNoClientCanConnect() throws Exception {
        try (TegamiServer s = start("smtp")) {
            List<String> lines = summary(s, NOW).lines().toList();
            int i = lines.indexOf("  mail client settings (user name: the full email address; password: normal)");
            assertEquals("    (none: no submission, submissions, pop3, pop3s, imap or imaps listener is configured)", lines.get(i + 1));
        }
    }

    @Test
    void clientHostIsTheHostnameUnlessTheListenerIsLoopback() {
        assertEquals("mail.example.test", StartupSummary.clientHost("mail.example.test", new java.net.InetSocketAddress("0.0.0.0", 587)));
        assertEquals("127.0.0.1", StartupSummary.clientHost("localhost", new java.net.InetSocketAddress("127.0.0.1", 2587)));
    }

    @Test
    void expiryWarningIsNotShownWithPlentyOfTimeLeft() throws Exception {
        try (TegamiServer s = start("smtp")) {
            String text = summary(s, NOW.plus(Duration.ofDays(300)));
            assertEquals(1, text.lines().filter(l -> l.startsWith("  WARNING")).count(), "only the self-signed warning: " + text);
        }
    }
}
