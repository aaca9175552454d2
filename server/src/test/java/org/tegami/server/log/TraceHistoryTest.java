package org.tegami.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.Main;
import org.tegami.server.TegamiServer;
import org.tegami.server.cli.Cli;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.TraceHistoryStore;
import org.tegami.testkit.TestDnsServer;

/**
 * The trace history over a real server: a submitted message that cannot be delivered yet is followed by {@code
 * tegami trace} from its Message-ID alone, with no log file, through the server's own history in the store: the
 * submission's 250, the queue's failed attempt, and the entry still waiting.
 */
class TraceHistoryTest {
    private static final String MSGID = "<trace-history-test.1@a.test>";

    @TempDir
    Path dir;

    @Test
    void traceFollowsAMessageThroughTheHistoryInTheStore() throws Exception {
        int closed = org.tegami.testkit.FreePort.pick(); // nothing listens there: b.test's MX refuses connections
        try (TestDnsServer dns = new TestDnsServer()) {
            dns.add("b.test. 300 IN MX 10 mx.b.test.").add("mx.b.test. 300 IN A 127.0.0.1");
            Path cfg = Files.writeString(dir.resolve("tegami.toml"), "hostname = \"mail.a.test\"\ndata_dir = \"d\"\n"
                    + "[listen]\nsmtp = []\nsubmission = [\"127.0.0.1:0\"]\nsubmissions = []\npop3 = []\npop3s = []\n"
                    + "imap = []\nimaps = []\nmanagesieve = []\nmetrics = []\n[dns]\nnameservers = [\"127.0.0.1:"
                    + dns.address().getPort() + "\"]\n[outbound]\nmx_port = " + closed + "\n[log]\nhistory_days = 3\n");
            try (TegamiServer a = TegamiServer.start(ConfigLoader.load(cfg), InstantSource.system())) {
                a.store().accounts().addDomain("a.test");
                a.store().accounts().addUser(EmailAddress.parse("alice@a.test").orElseThrow(),
                        new PasswordHasher().hash("alice-secret-pw".toCharArray()));
                StructuredLogTest.submit(a.port("submission"), MSGID, "bob@b.test", "traced");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                List<TraceHistoryStore.Line> lines = List.of();
                while (System.nanoTime() < deadline) {
                    lines = a.store().traceHistory().find(Set.of("m:" + MSGID), 100);
                    // the queue logs "deferred" before it records the attempt, and the history saves every second,
                    // possibly in between: wait for the recorded attempt too, which the trace's last line shows
                    if (lines.stream().anyMatch(l -> l.text().contains(": deferred queue "))
                            && a.store().queue().list().stream().anyMatch(e -> e.attempts() > 0)) break;
                    Thread.sleep(100);
                }
                assertTrue(lines.size() >= 2, "the submission and the attempt were saved: " + lines);

                String out = trace(cfg, MSGID);
                String[] printed = out.split("\n");
                assertTrue(printed[0].matches("\\d{4}-\\d\\d-\\d\\dT\\S+Z INFO submission conn=[0-9a-f]{12} msgid=" + MSGID
                        + " queue=(\\d+) org.tegami.smtp.server.MessageReceiver: accepted \\S+ from <alice@a.test> for \\[bob@b.test\\] .*"), out);
                String queue = printed[0].replaceFirst(".* queue=(\\d+) .*", "$1");
                assertTrue(out.contains(" queue=" + queue + " msgid=" + MSGID + " org.tegami.queue.QueueRunner: deferred queue " + queue
                        + " for <bob@b.test>: mx.b.test [127.0.0.1]: ConnectException: Connection refused\n"), out);
                assertTrue(printed[printed.length - 1].startsWith("queue " + queue + ": waiting for bob@b.test; attempts 1, next "),
                        out);
                assertTrue(!out.contains("alice-secret-pw"), "no password in the history");
                // the queue id alone leads to the same lines
                String byQueue = trace(cfg, queue);
                assertEquals(out, byQueue);
                assertEquals("no log line names <nothing@a.test>\nqueue: nothing queued for <nothing@a.test>\n",
                        trace(cfg, "<nothing@a.test>"));
            }
        }
    }

    @Test
    void historyDaysIsChecked() throws Exception {
        Path cfg = Files.writeString(dir.resolve("bad.toml"), "hostname = \"mail.a.test\"\n[log]\nhistory_days = -1\n");
        var e = org.junit.jupiter.api.Assertions.assertThrows(org.tegami.core.TegamiException.class, () -> ConfigLoader.load(cfg));
        assertTrue(e.getMessage().contains("log.history_days") && e.getMessage().contains("must be 0 (keep no history) to 3650"),
                e.getMessage());
        Files.writeString(cfg, "hostname = \"mail.a.test\"\n[log]\nhistory_days = 0\n");
        assertTrue(ConfigLoader.load(cfg).log().history().isZero());
        Files.writeString(cfg, "hostname = \"mail.a.test\"\n");
        assertEquals(14, ConfigLoader.load(cfg).log().history().toDays(), "default");
    }

    private static String trace(Path cfg, String query) {
        PrintStream out = System.out;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            int code = Cli.commandLine(new Main()).execute("trace", "--config", cfg.toString(), query);
            assertEquals(0, code, o.toString(StandardCharsets.UTF_8));
            return o.toString(StandardCharsets.UTF_8);
        } finally {
            System.setOut(out);
        }
    }
}
