package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.AccountId;
import org.tegami.testkit.TestDnsServer;

/**
 * The abuse defences of {@code [spam]} over the wire on port 25: greylisting (RFC 6647) with a clock the test
 * moves, and a DNSBL (RFC 5782) that lists 127.0.0.1, which the server must not even ask about.
 */
class AbuseDefencesTest {
    private static final String HOST = "mail.example.test";

    @TempDir
    Path dir;

    /** One SMTP transaction; the reply to the end of DATA (or the first failure before it). */
    static String send(int port, String mailFrom, String rcpt, String message) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(60_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            reply(in);
            for (String cmd : List.of("EHLO client.example.org", "MAIL FROM:<" + mailFrom + ">", "RCPT TO:<" + rcpt + ">", "DATA")) {
                out.write((cmd + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String r = reply(in);
                if (r.charAt(0) != '2' && r.charAt(0) != '3') return r;
            }
            out.write((message.replace("\r\n.", "\r\n..") + ".\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String r = reply(in);
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return r;
        }
    }

    static String reply(BufferedReader in) throws Exception {
        String line;
        do {
            line = in.readLine();
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    @Test
    void greylistingRefusesFirstTimeAndPassesARetryAfterTheDelay() throws Exception {
        AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
        InstantSource clock = now::get;
        try (TestDnsServer dns = new TestDnsServer()) {
            dns.add("1.0.0.127.zen.example. 300 IN A 127.0.0.2"); // loopback "listed": never looked up
            Path f = dir.resolve("tegami.toml");
            Files.writeString(f, """
                    hostname = "%s"
                    data_dir = "d"
                    [listen]
                    smtp = ["127.0.0.1:0"]
                    submission = []
                    submissions = []
                    pop3 = []
                    pop3s = []
                    imap = []
                    imaps = []
                    managesieve = []
                    metrics = []
                    [dns]
                    nameservers = ["127.0.0.1:%d"]
                    [spam]
                    dnsbl = ["zen.example"]
                    greylisting = true
                    greylist_delay = "5m"
                    """.formatted(HOST, dns.address().getPort()));
            try (TegamiServer server = TegamiServer.start(ConfigLoader.load(f), clock)) {
                server.store().accounts().addDomain("example.test");
                AccountId alice = server.store().accounts().addUser(EmailAddress.parse("alice@example.test").orElseThrow(),
                        new PasswordHasher().hash("alice-password".toCharArray())).id();
                int port = server.port("smtp");
                String msg = "From: news@example.org\r\nTo: alice@example.test\r\nSubject: hi\r\n\r\nHello.\r\n";
                assertEquals("451 4.7.1 Greylisted, try again later", send(port, "news@example.org", "alice@example.test", msg));
                now.set(now.get().plusSeconds(30));
                assertEquals("451 4.7.1 Greylisted, try again later", send(port, "news@example.org", "alice@example.test", msg));
                var inbox = server.store().mail().mailbox(alice, "INBOX").orElseThrow();
                assertEquals(0, server.store().mail().messages(inbox.id()).size(), "nothing stored while greylisted");
                now.set(now.get().plus(Duration.ofMinutes(5)));
                String ok = send(port, "news@example.org", "alice@example.test", msg);
                assertTrue(ok.startsWith("250 2.0.0"), ok);
                assertEquals(1, server.store().mail().messages(inbox.id()).size());
                // remembered: at once next time, across a restart too (the triple is in the store)
                now.set(now.get().plus(Duration.ofDays(3)));
                assertTrue(send(port, "news@example.org", "alice@example.test", msg).startsWith("250 2.0.0"));
                // a new sender waits again
                assertEquals("451 4.7.1 Greylisted, try again later", send(port, "other@example.org", "alice@example.test", msg));
            }
            try (TegamiServer server = TegamiServer.start(ConfigLoader.load(f), clock)) {
                String msg = "From: news@example.org\r\nTo: alice@example.test\r\nSubject: again\r\n\r\nHello.\r\n";
                assertTrue(send(server.port("smtp"), "news@example.org", "alice@example.test", msg).startsWith("250 2.0.0"),
                        "remembered across a restart");
            }
        }
    }

    @Test
    void rspamdRejectRefusesAndRspamdDownLetsMailThrough() throws Exception {
        // The JDK reads its HTTP limits once per JVM, at the first server: the server's, not these defaults, must win
        // whichever test class runs first (AutoconfigHttpTest checks them).
        org.tegami.server.http.HttpServerLimits.apply();
        var http = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/checkv2", x -> {
            String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.US_ASCII);
            byte[] b = ("{\"action\":\"" + (body.contains("Subject: buy") ? "reject" : "no action")
                    + "\",\"score\":1,\"required_score\":15,\"symbols\":{}}").getBytes(StandardCharsets.US_ASCII);
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        http.start();
        int down = org.tegami.testkit.FreePort.pick();
        try {
            for (int port : new int[] {http.getAddress().getPort(), down}) {
                Path f = dir.resolve("rspamd-" + port + ".toml");
                Files.writeString(f, """
                        hostname = "%s"
                        data_dir = "d%d"
                        [listen]
                        smtp = ["127.0.0.1:0"]
                        submission = []
                        submissions = []
                        pop3 = []
                        pop3s = []
                        imap = []
                        imaps = []
                        managesieve = []
                        metrics = []
                        [inbound]
                        verify = false
                        [spam]
                        rspamd = "http://127.0.0.1:%d"
                        """.formatted(HOST, port, port));
                try (TegamiServer server = TegamiServer.start(ConfigLoader.load(f), InstantSource.system())) {
                    server.store().accounts().addDomain("example.test");
                    server.store().accounts().addUser(EmailAddress.parse("alice@example.test").orElseThrow(), "$argon2id$x");
                    int smtp = server.port("smtp");
                    String spam = "From: a@example.org\r\nSubject: buy\r\n\r\nNow.\r\n";
                    String ham = "From: a@example.org\r\nSubject: lunch\r\n\r\nNoon?\r\n";
                    assertTrue(send(smtp, "a@example.org", "alice@example.test", ham).startsWith("250 2.0.0"));
                    String r = send(smtp, "a@example.org", "alice@example.test", spam);
                    if (port == down) assertTrue(r.startsWith("250 2.0.0"), "rspamd down: mail flows; " + r);
                    else assertEquals("554 5.7.1 Message refused as spam", r);
                }
            }
        } finally {
            http.stop(0);
        }
    }
}
