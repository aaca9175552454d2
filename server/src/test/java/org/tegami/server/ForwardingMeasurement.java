package org.tegami.server;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.config.ConfigLoader;
import org.tegami.testkit.TestDnsServer;

/**
 * Not run by the build (no *Test name): what forwarding costs at acceptance. Port 25, one session, N transactions of
 * a 10 KiB message from a sender whose SPF passes, to a local user or to an alias forwarding to a remote address
 * (SRS, an RSA-2048 ARC seal over the whole message, queue entry), alternating rounds; prints ms per message.
 * Run: mvn -o -q verify -pl server -am -Dtest=ForwardingMeasurement -Dsurefire.failIfNoSpecifiedTests=false
 */
class ForwardingMeasurement {
    @TempDir
    Path dir;

    @Test
    void acceptanceLatency() throws Exception {
        try (TestDnsServer dns = new TestDnsServer()) {
            dns.add("sender.test. 300 IN TXT \"v=spf1 ip4:127.0.0.1 -all\"").add("_dmarc.sender.test. 300 IN TXT \"v=DMARC1; p=none\"");
            Path cfg = Files.writeString(Files.createDirectories(dir.resolve("a")).resolve("tegami.toml"),
                    "hostname = \"mail.a.test\"\n[listen]\nsmtp = [\"127.0.0.1:0\"]\nsubmission = []\nsubmissions = []\n"
                            + "pop3 = []\npop3s = []\nimap = []\nimaps = []\nmanagesieve = []\nmetrics = []\n[dns]\nnameservers = [\"127.0.0.1:"
                            + dns.address().getPort() + "\"]\n[outbound]\nmx_port = 9\n[forwarding]\nmax_per_hour = 1000000\n");
            try (TegamiServer a = TegamiServer.start(ConfigLoader.load(cfg), InstantSource.system())) {
                a.store().accounts().addDomain("a.test");
                a.store().accounts().addUser(EmailAddress.parse("local@a.test").orElseThrow(), new PasswordHasher().hash("pw".toCharArray()));
                a.store().accounts().putAlias("fwd@a.test", List.of("someone@remote.test"));
                new org.tegami.mailauth.dkim.DkimKeys(a.config().dataDir()).generate("a.test");
                String body = ("x".repeat(76) + "\r\n").repeat(130);
                int n = 200;
                for (int round = 0; round < 4; round++) {
                    for (String rcpt : List.of("local@a.test", "fwd@a.test")) {
                        double ms = run(a.port("smtp"), rcpt, body, round == 0 ? 20 : n);
                        if (round > 0) System.out.printf("MEASURE %-14s %.2f ms/message%n", rcpt, ms);
                    }
                }
            }
        }
    }

    private static double run(int port, String rcpt, String body, int n) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            read(in);
            cmd(out, in, "EHLO client.sender.test");
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                cmd(out, in, "MAIL FROM:<bob@sender.test>");
                cmd(out, in, "RCPT TO:<" + rcpt + ">");
                cmd(out, in, "DATA");
                String r = cmd(out, in, "From: <bob@sender.test>\r\nTo: <" + rcpt + ">\r\nSubject: m " + i
                        + "\r\nMessage-ID: <" + i + "." + System.nanoTime() + "@sender.test>\r\n\r\n" + body + ".");
                if (!r.startsWith("250")) throw new AssertionError(r);
            }
            return (System.nanoTime() - t0) / 1e6 / n;
        }
    }

    private static String cmd(OutputStream out, BufferedReader in, String c) throws Exception {
        out.write((c + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return read(in);
    }

    private static String read(BufferedReader in) throws Exception {
        String line;
        StringBuilder sb = new StringBuilder();
        while ((line = in.readLine()) != null) {
            sb.append(line).append('\n');
            if (line.length() < 4 || line.charAt(3) != '-') break;
        }
        return sb.toString();
    }
}
