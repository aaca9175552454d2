package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.queue.tlsrpt.TlsReporter;
import org.tegami.queue.tlsrpt.TlsSession;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.Account;
import org.tegami.testkit.TestDnsServer;

/**
 * TLS reports received (RFC 8460 §5.3) over the wire: Tegami A's own reporter ({@link TlsReporter}) makes the
 * report of a day's sessions to b.test and mails it through A's queue to the {@code rua} address at Tegami B; B
 * delivers it to the mailbox behind {@code tlsrpt@b.test} as any message, keeps its summary, and
 * {@code tegami tls-report} prints it.
 */
class TlsReportReceivedTest {
    private static final String OFF = "submission = []\nsubmissions = []\npop3 = []\npop3s = []\nimap = []\nimaps = []\nmanagesieve = []\nmetrics = []\n";

    @TempDir
    Path dir;

    private TegamiServer start(String name, String toml) throws Exception {
        Path d = Files.createDirectory(dir.resolve(name));
        Files.writeString(d.resolve("tegami.toml"), toml);
        return TegamiServer.start(ConfigLoader.load(d.resolve("tegami.toml")), InstantSource.system());
    }

    /** A clock that a test moves. */
    private static final class Clock implements InstantSource {
        volatile Instant now;

        Clock(Instant now) {
            this.now = now;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private String[] cli(String... args) {
        return CliRun.run("", args).fields();
    }

    @Test
    void aReportOurReporterMakesIsReadBackByTegamiTlsReportAtTheReceiver() throws Exception {
        try (TestDnsServer dns = new TestDnsServer().add("b.test. 300 IN MX 10 mx.b.test.").add("mx.b.test. 300 IN A 127.0.0.1");
             TegamiServer b = start("b", "hostname = \"mx.b.test\"\n[listen]\nsmtp = [\"127.0.0.1:0\"]\n" + OFF)) {
            b.store().accounts().addDomain("b.test");
            Account postmaster = b.store().accounts().addUser(EmailAddress.parse("postmaster@b.test").orElseThrow(),
                    new PasswordHasher().hash("pw".toCharArray()));
            b.store().accounts().putAlias("tlsrpt@b.test", List.of("postmaster@b.test")); // as `tegami dns` advises
            String none = cli("tls-report", "--config", b.config().dataDir().getParent().resolve("tegami.toml").toString())[1];
            assertEquals("no TLS reports received in the last 30 days\n", none);

            try (TegamiServer a = start("a", "hostname = \"mail.a.test\"\n[listen]\nsmtp = []\n" + OFF
                    + "[dns]\nnameservers = [\"127.0.0.1:" + dns.address().getPort() + "\"]\n[outbound]\nmx_port = " + b.port("smtp") + "\n")) {
                Instant now = Instant.now();
                Instant yesterday = now.minus(java.time.Duration.ofDays(1));
                Clock clock = new Clock(yesterday);
                TlsReporter reporter = new TlsReporter(a.store(), name -> name.equals("_smtp._tls.b.test")
                        ? Optional.of("v=TLSRPTv1; rua=mailto:tlsrpt@b.test") : Optional.empty(), "mail.a.test", clock);
                List<String> sts = List.of("version: STSv1", "mode: enforce", "mx: mx.b.test", "max_age: 86400");
                for (int i = 0; i < 7; i++) reporter.record("b.test", new TlsSession("sts", sts, "mx.b.test", TlsSession.SUCCESS, "127.0.0.1"));
                reporter.record("b.test", new TlsSession("sts", sts, "mx.b.test", "certificate-expired", "127.0.0.1"));
                reporter.record("b.test", new TlsSession("sts", sts, "mx.b.test", "certificate-expired", "127.0.0.1"));
                reporter.record("b.test", new TlsSession("sts", sts, "mx.b.test", "starttls-not-supported", "127.0.0.1"));
                reporter.flush();
                clock.now = now; // the day is over: its report is due
                assertEquals(1, reporter.sendDue());

                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (System.nanoTime() < deadline && b.store().tlsReports().received(Instant.EPOCH).isEmpty()) Thread.sleep(50);
                var got = b.store().tlsReports().received(Instant.EPOCH);
                assertEquals(1, got.size(), "one policy: " + got);
                var r = got.getFirst();
                assertEquals("mail.a.test", r.organization());
                assertEquals("b.test", r.policyDomain());
                assertEquals("sts", r.policyType());
                assertEquals(7, r.success());
                assertEquals(3, r.failure());
                assertEquals(java.util.Map.of("certificate-expired", 2L, "starttls-not-supported", 1L), r.failureTypes());
                var inbox = b.store().mail().mailbox(postmaster.id(), "INBOX").orElseThrow();
                assertEquals(1, b.store().mail().messages(inbox.id()).size(), "the report is delivered as any message too");

                String[] out = cli("tls-report", "--days", "7", "--config", b.config().dataDir().getParent().resolve("tegami.toml").toString());
                assertEquals("0", out[0]);
                String[] lines = out[1].split("\n");
                assertEquals(2, lines.length, out[1]);
                assertTrue(lines[0].startsWith("RECEIVED   PERIOD                  ORGANIZATION"), lines[0]);
                String day = java.time.format.DateTimeFormatter.ISO_LOCAL_DATE.format(yesterday.atOffset(java.time.ZoneOffset.UTC));
                assertTrue(lines[1].matches("\\d{4}-\\d\\d-\\d\\d " + day + "\\.\\." + day + " +mail\\.a\\.test +b\\.test +sts +7 +3 "
                        + " (certificate-expired=2, starttls-not-supported=1|starttls-not-supported=1, certificate-expired=2)"), lines[1]);
            }
        }
        String help = cli("tls-report", "--help")[1];
        assertTrue(help.contains("--days=N") && help.contains("Reports received in the last N days"), help);
    }
}
