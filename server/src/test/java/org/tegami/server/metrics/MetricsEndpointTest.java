package org.tegami.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.core.metrics.Metrics;
import org.tegami.mime.EmailAddress;
import org.tegami.server.TegamiServer;
import org.tegami.server.config.ConfigLoader;
import org.tegami.testkit.TestDnsServer;
import org.tegami.testkit.TestTls;

/**
 * {@code [listen] metrics} over HTTP after real SMTP and IMAP traffic: the scrape holds the exact series the
 * sessions caused, in the Prometheus text format (checked by promtool when it is installed).
 */
class MetricsEndpointTest {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static Path config(Path dir, Set<String> on, String extra) throws Exception {
        String[] services = {"smtp", "submission", "submissions", "pop3", "pop3s", "imap", "imaps", "managesieve", "metrics"};
        StringBuilder sb = new StringBuilder("hostname = \"mail.example.test\"\ndata_dir = \"d\"\n[listen]\n");
        for (String s : services) sb.append(s).append(on.contains(s) ? " = [\"127.0.0.1:0\"]\n" : " = []\n");
        return Files.writeString(dir.resolve("tegami.toml"), sb + extra);
    }

    private HttpResponse<String> get(int port, String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void scrapeAfterSmtpAndImapHoldsTheExactCounts() throws Exception {
        try (TestDnsServer dns = new TestDnsServer()) {
            dns.add("soft.example. 300 IN TXT \"v=spf1 ~all\"");
            Path f = config(dir, Set.of("smtp", "imaps", "metrics"),
                    "[dns]\nnameservers = [\"127.0.0.1:" + dns.address().getPort() + "\"]\n");
            try (TegamiServer server = TegamiServer.start(ConfigLoader.load(f), InstantSource.system())) {
                server.store().accounts().addDomain("example.test");
                server.store().accounts().addUser(EmailAddress.parse("alice@example.test").orElseThrow(),
                        new PasswordHasher().hash("alice-password".toCharArray()));
                int metricsPort = server.metricsHttp().getFirst().port();

                assertEquals("250", smtp(server.port("smtp"), List.of("EHLO client.soft.example", "MAIL FROM:<a@soft.example>",
                        "RCPT TO:<alice@example.test>", "DATA"),
                        "From: a@soft.example\r\nTo: alice@example.test\r\nMessage-ID: <m1@soft.example>\r\nSubject: hi\r\n\r\nHello.\r\n")
                        .substring(0, 3));
                assertEquals("221", smtp(server.port("smtp"), List.of("EHLO client.soft.example"), null).substring(0, 3));

                try (SSLSocket s = (SSLSocket) TestTls.trustAllClientContext().getSocketFactory()
                        .createSocket("127.0.0.1", server.port("imaps"))) {
                    s.setSoTimeout(30_000);
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                    OutputStream out = s.getOutputStream();
                    assertTrue(in.readLine().startsWith("* OK"));
                    assertTrue(imap(in, out, "a1 LOGIN alice@example.test wrong").startsWith("a1 NO"));
                    assertTrue(imap(in, out, "a2 LOGIN alice@example.test alice-password").startsWith("a2 OK"));
                    assertTrue(imap(in, out, "a3 SELECT INBOX").startsWith("a3 OK"));
                    assertTrue(imap(in, out, "a4 LOGOUT").startsWith("a4 OK"));
                }

                // the server closes its side after the replies: wait until both connections are counted closed
                String scrape = "";
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (System.nanoTime() < until) {
                    scrape = get(metricsPort, "GET", "/metrics").body();
                    if (scrape.contains("tegami_connections_open{service=\"smtp\"} 0.0\n")
                            && scrape.contains("tegami_connections_open{service=\"imaps\"} 0.0\n")) break;
                    Thread.sleep(50);
                }
                for (String line : List.of(
                        "tegami_connections_total{service=\"smtp\"} 2.0",
                        "tegami_connections_total{service=\"imaps\"} 1.0",
                        "tegami_connections_open{service=\"smtp\"} 0.0",
                        "tegami_connections_open{service=\"imaps\"} 0.0",
                        "tegami_smtp_messages_total{result=\"accepted\",service=\"smtp\"} 1.0",
                        "tegami_auth_attempts_total{protocol=\"imap\",result=\"failure\"} 1.0",
                        "tegami_auth_attempts_total{protocol=\"imap\",result=\"success\"} 1.0",
                        "tegami_imap_commands_total{command=\"select\"} 1.0",
                        "tegami_imap_commands_total{command=\"logout\"} 1.0",
                        "tegami_imap_command_seconds_count{command=\"select\"} 1",
                        "tegami_tls_handshakes_total{service=\"imaps\",version=\"TLSv1.3\"} 1.0",
                        "tegami_inbound_verdicts_total{check=\"spf\",result=\"softfail\"} 1.0",
                        "tegami_inbound_verdicts_total{check=\"dkim\",result=\"none\"} 1.0",
                        "tegami_inbound_verdicts_total{check=\"dmarc\",result=\"none\"} 1.0",
                        "tegami_queue_messages 0.0",
                        "# TYPE tegami_outbound_deliveries_total counter",
                        "tegami_outbound_deliveries_total{result=\"deferred\"} 0.0")) {
                    assertTrue(scrape.contains("\n" + line + "\n"), line + " not in:\n" + scrape);
                }
                // JVM and process metrics of the client's instrumentation module
                assertTrue(scrape.contains("\njvm_threads_current "), scrape);
                assertTrue(scrape.contains("\nprocess_cpu_seconds_total "), scrape);
                // nothing a peer typed became a label
                assertFalse(scrape.contains("alice") || scrape.contains("soft.example") || scrape.contains("wrong"), scrape);

                promtoolAccepts(scrape);
                Files.writeString(Path.of("target", "metrics-scrape-example.txt"), scrape); // for docs/metrics.md
            }
        }
    }

    @Test
    void onlyGetAndHeadOfMetricsAreServed() throws Exception {
        Path f = config(dir, Set.of("metrics"), "");
        try (TegamiServer server = TegamiServer.start(ConfigLoader.load(f), InstantSource.system())) {
            int port = server.metricsHttp().getFirst().port();
            HttpResponse<String> ok = get(port, "GET", "/metrics");
            assertEquals(200, ok.statusCode());
            assertEquals("text/plain; version=0.0.4; charset=utf-8", ok.headers().firstValue("Content-Type").orElseThrow());
            assertEquals(200, get(port, "HEAD", "/metrics").statusCode());
            assertEquals(404, get(port, "GET", "/").statusCode());
            assertEquals(404, get(port, "GET", "/metrics/x").statusCode());
            HttpResponse<String> post = get(port, "POST", "/metrics");
            assertEquals(405, post.statusCode());
            assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElseThrow());
        }
        assertFalse(Metrics.enabled(), "closing the server uninstalls its sink");
    }

    @Test
    void offByDefault() throws Exception {
        Path f = config(dir, Set.of(), "");
        Files.writeString(f, Files.readString(f).replace("metrics = []\n", "")); // the key left out: the default
        try (TegamiServer server = TegamiServer.start(ConfigLoader.load(f), InstantSource.system())) {
            assertTrue(server.metricsHttp().isEmpty());
            assertFalse(Metrics.enabled());
        }
    }

    /** Runs {@code promtool check metrics} on the scrape when promtool is installed (Debian package prometheus). */
    private void promtoolAccepts(String scrape) throws Exception {
        Path promtool = Path.of("/usr/bin/promtool");
        if (!Files.isExecutable(promtool)) {
            System.err.println("MetricsEndpointTest: promtool not installed, format check skipped");
            return;
        }
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(scrape.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
    }

    /** One SMTP session: the greeting, the commands, the message if given, QUIT; returns the last reply line. */
    private static String smtp(int port, List<String> commands, String message) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(60_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            String last = reply(in);
            for (String c : commands) {
                out.write((c + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                last = reply(in);
            }
            String data = null;
            if (message != null) {
                out.write((message + ".\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                data = reply(in);
            }
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            last = reply(in);
            return data != null ? data : last;
        }
    }

    private static String reply(BufferedReader in) throws Exception {
        String line;
        do {
            line = in.readLine();
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    private static String imap(BufferedReader in, OutputStream out, String command) throws Exception {
        out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String tag = command.substring(0, command.indexOf(' '));
        String line;
        do {
            line = in.readLine();
        } while (!line.startsWith(tag + " "));
        return line;
    }
}
