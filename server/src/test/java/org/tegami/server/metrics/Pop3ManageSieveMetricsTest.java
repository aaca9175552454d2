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
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.TegamiServer;
import org.tegami.server.config.ConfigLoader;
import org.tegami.testkit.TestTls;

/** {@code tegami_pop3_commands_total} and {@code tegami_managesieve_commands_total} after real sessions, by scraping. */
class Pop3ManageSieveMetricsTest {
    @TempDir Path dir;

    @Test
    void scrapeCountsEachExecutedCommandUnderItsName() throws Exception {
        Path f = Files.writeString(dir.resolve("tegami.toml"), "hostname = \"mail.example.test\"\ndata_dir = \"d\"\n[listen]\n"
                + "smtp = []\nsubmission = []\nsubmissions = []\npop3 = []\npop3s = [\"127.0.0.1:0\"]\nimap = []\nimaps = []\n"
                + "managesieve = [\"127.0.0.1:0\"]\nmetrics = [\"127.0.0.1:0\"]\n");
        try (TegamiServer server = TegamiServer.start(ConfigLoader.load(f), InstantSource.system())) {
            server.store().accounts().addDomain("example.test");
            server.store().accounts().addUser(EmailAddress.parse("alice@example.test").orElseThrow(),
                    new PasswordHasher().hash("alice-password".toCharArray()));

            try (SSLSocket s = (SSLSocket) TestTls.trustAllClientContext().getSocketFactory()
                    .createSocket("127.0.0.1", server.port("pop3s"))) {
                s.setSoTimeout(30_000);
                var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                assertTrue(in.readLine().startsWith("+OK"));
                for (String[] c : new String[][] {{"USER alice@example.test", "+OK"}, {"PASS alice-password", "+OK"},
                        {"STAT", "+OK 0 0"}, {"NOOP", "+OK"}, {"NOOP", "+OK"}, {"XYZZY alice-secret", "-ERR"},
                        {"QUIT", "+OK"}}) {
                    out.write((c[0] + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    String reply = in.readLine();
                    assertTrue(reply.startsWith(c[1]), c[0] + " → " + reply);
                }
            }
            try (Socket s = new Socket("127.0.0.1", server.port("managesieve"))) {
                s.setSoTimeout(30_000);
                var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                OutputStream out = s.getOutputStream();
                untilOk(in);
                out.write("CAPABILITY\r\n".getBytes(StandardCharsets.US_ASCII));
                untilOk(in);
                out.write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
                assertTrue(untilOk(in).startsWith("OK"));
                out.write("FROBNICATE\r\n".getBytes(StandardCharsets.US_ASCII));
                assertTrue(in.readLine().startsWith("NO"));
                out.write("LOGOUT\r\n".getBytes(StandardCharsets.US_ASCII));
                untilOk(in);
            }

            // A session counts a command after its reply went out, so QUIT and LOGOUT may not be counted yet when the
            // client has read the reply: wait until both connections are counted closed, which the sessions do last.
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.metricsHttp().getFirst().port()
                    + "/metrics")).build();
            String scrape = "";
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < until) {
                scrape = http.send(get, HttpResponse.BodyHandlers.ofString()).body();
                if (scrape.contains("\ntegami_connections_open{service=\"pop3s\"} 0.0\n")
                        && scrape.contains("\ntegami_connections_open{service=\"managesieve\"} 0.0\n")) break;
                Thread.sleep(50);
            }
            for (String line : List.of(
                    "# TYPE tegami_pop3_commands_total counter",
                    "tegami_pop3_commands_total{command=\"user\"} 1.0",
                    "tegami_pop3_commands_total{command=\"pass\"} 1.0",
                    "tegami_pop3_commands_total{command=\"stat\"} 1.0",
                    "tegami_pop3_commands_total{command=\"noop\"} 2.0",
                    "tegami_pop3_commands_total{command=\"quit\"} 1.0",
                    "# TYPE tegami_managesieve_commands_total counter",
                    "tegami_managesieve_commands_total{command=\"capability\"} 1.0",
                    "tegami_managesieve_commands_total{command=\"noop\"} 1.0",
                    "tegami_managesieve_commands_total{command=\"logout\"} 1.0")) {
                assertTrue(scrape.contains("\n" + line + "\n"), line + " not in:\n" + scrape);
            }
            // an unknown command is refused before it runs: not counted, and its name never becomes a label
            assertFalse(scrape.contains("xyzzy") || scrape.contains("frobnicate") || scrape.contains("alice"), scrape);
            assertEquals(5, scrape.lines().filter(l -> l.startsWith("tegami_pop3_commands_total{")).count(), scrape);
        }
    }

    private static String untilOk(BufferedReader in) throws Exception {
        String line;
        while ((line = in.readLine()) != null) {
            if (line.startsWith("OK") || line.startsWith("NO") || line.startsWith("BYE")) return line;
        }
        throw new AssertionError("connection closed");
    }
}
