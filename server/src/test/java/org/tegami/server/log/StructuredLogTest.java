package org.tegami.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.TegamiServer;
import org.tegami.server.config.ConfigLoader;
import org.tegami.testkit.TestDnsServer;

/**
 * {@code [log] format = "json"} over a real delivery between two servers: every line is one JSON object (parsed by
 * Python's json module, not ours), and one Message-ID and one queue id lead from the submission's 250 through the
 * remote server's 250 to its storage. No password reaches the log.
 */
class StructuredLogTest {
    private static final String MSGID = "<structured-log-test.1@a.test>";

    @TempDir
    Path dir;

    private TegamiServer start(String name, String toml) throws Exception {
        Path d = Files.createDirectory(dir.resolve(name));
        Path cfg = d.resolve("tegami.toml");
        Files.writeString(cfg, toml);
        return TegamiServer.start(ConfigLoader.load(cfg), InstantSource.system());
    }

    @Test
    void oneMessageIdAndQueueIdFollowAMessageFromSubmissionToTheRemoteStore() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Logger root = Logger.getLogger("");
        Handler[] before = root.getHandlers();
        Handler h = LogSetup.install(LogFormat.JSON, buf);
        String none = "submissions = []\npop3 = []\npop3s = []\nimap = []\nimaps = []\nmanagesieve = []\nmetrics = []\n";
        try (TestDnsServer dns = new TestDnsServer();
             TegamiServer b = start("b", "hostname = \"mx.b.test\"\n[log]\nformat = \"json\"\n[listen]\nsmtp = [\"127.0.0.1:0\"]\n"
                     + "submission = []\n" + none)) {
            dns.add("b.test. 300 IN MX 10 mx.b.test.").add("mx.b.test. 300 IN A 127.0.0.1");
            b.store().accounts().addDomain("b.test");
            b.store().accounts().addUser(EmailAddress.parse("bob@b.test").orElseThrow(), new PasswordHasher().hash("bob-pw".toCharArray()));
            try (TegamiServer a = start("a", "hostname = \"mail.a.test\"\n[log]\nformat = \"json\"\n[listen]\nsmtp = []\n"
                    + "submission = [\"127.0.0.1:0\"]\n" + none + "[dns]\nnameservers = [\"127.0.0.1:" + dns.address().getPort()
                    + "\"]\n[outbound]\nmx_port = " + b.port("smtp") + "\n")) {
                a.store().accounts().addDomain("a.test");
                a.store().accounts().addUser(EmailAddress.parse("alice@a.test").orElseThrow(),
                        new PasswordHasher().hash("alice-secret-pw".toCharArray()));
                submit(a.port("submission"));

                List<Map<String, String>> events = List.of();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (System.nanoTime() < deadline) {
                    events = parse(buf.toString(StandardCharsets.UTF_8));
                    if (events.stream().anyMatch(e -> e.getOrDefault("msg", "").startsWith("delivered queue"))) break;
                    Thread.sleep(100);
                }
                Map<String, String> submitted = one(events, "submission", "accepted ");
                Map<String, String> received = one(events, "smtp", "accepted ");
                Map<String, String> delivered = events.stream()
                        .filter(e -> e.getOrDefault("msg", "").startsWith("delivered queue ")).findFirst().orElseThrow(() ->
                                new AssertionError("no delivery line in " + buf.toString(StandardCharsets.UTF_8)));
                String queue = submitted.get("queue");
                assertTrue(queue != null && queue.matches("[0-9]+"), submitted.toString());
                assertEquals(MSGID, submitted.get("msgid"), submitted.toString());
                // the delivery attempt runs on the queue's thread: same queue id and Message-ID, no connection
                assertEquals(queue, delivered.get("queue"), delivered.toString());
                assertEquals(MSGID, delivered.get("msgid"), delivered.toString());
                assertTrue(delivered.get("msg").startsWith("delivered queue " + queue + " to <bob@b.test>"), delivered.toString());
                // the receiving server logs the same Message-ID with its own connection id
                assertEquals(MSGID, received.get("msgid"), received.toString());
                assertTrue(submitted.get("conn").matches("[0-9a-f]{12}"), submitted.toString());
                assertNotEquals(submitted.get("conn"), received.get("conn"));
                assertTrue(received.get("queue") == null, "a local delivery has no queue id: " + received);
                for (var e : events) {
                    assertTrue(e.containsKey("ts") && e.containsKey("level") && e.containsKey("logger") && e.containsKey("msg"), e.toString());
                }
                assertFalse(buf.toString(StandardCharsets.UTF_8).contains("alice-secret-pw"), "no password in the log");
                Files.writeString(Path.of("target", "structured-log-example.jsonl"), buf.toString(StandardCharsets.UTF_8));
            }
        } finally {
            root.removeHandler(h);
            for (Handler old : before) root.addHandler(old);
        }
    }

    private static Map<String, String> one(List<Map<String, String>> events, String service, String msgPrefix) {
        return events.stream().filter(e -> service.equals(e.get("service")) && e.getOrDefault("msg", "").startsWith(msgPrefix))
                .findFirst().orElseThrow(() -> new AssertionError("no " + service + " '" + msgPrefix + "' line in " + events));
    }

    private static void submit(int port) throws Exception {
        submit(port, MSGID, "bob@b.test", "followed by one grep");
    }

    /** alice@a.test (password alice-secret-pw) submits with Angus Mail (STARTTLS, AUTH), with a fixed Message-ID. */
    static void submit(int port, String msgid, String to, String subject) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", Integer.toString(port));
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.starttls.enable", "true");
        p.put("mail.smtp.starttls.required", "true");
        p.put("mail.smtp.ssl.trust", "*");
        p.put("mail.smtp.ssl.checkserveridentity", "false");
        MimeMessage m = new MimeMessage(Session.getInstance(p)) {
            @Override
            protected void updateMessageID() throws jakarta.mail.MessagingException {
                setHeader("Message-ID", msgid);
            }
        };
        m.setFrom(new InternetAddress("alice@a.test"));
        m.setRecipients(Message.RecipientType.TO, to);
        m.setSubject(subject);
        m.setText("Hello Bob.\n");
        Transport.send(m, "alice@a.test", "alice-secret-pw");
    }

    /**
     * Each line through Python's json.loads (a parser that is not ours); back come the string fields of each
     * object as tab-separated key=value pairs.
     */
    static List<Map<String, String>> parse(String log) throws Exception {
        Process py = new ProcessBuilder("/usr/bin/python3", "-c", """
                import json, sys
                for line in sys.stdin.buffer.read().decode("utf-8").split("\\n"):
                    if not line: continue
                    o = json.loads(line)
                    assert isinstance(o, dict), line
                    print("\\t".join(k + "=" + json.dumps(v)[1:-1] for k, v in o.items() if isinstance(v, str)))
                """).redirectErrorStream(true).start();
        try (var in = py.getOutputStream()) {
            in.write(log.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(py.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(py.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, py.exitValue(), "not one JSON object per line: " + out + "\nlog:\n" + log);
        List<Map<String, String>> events = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.isEmpty()) continue;
            Map<String, String> m = new java.util.LinkedHashMap<>();
            for (String kv : line.split("\t")) {
                int eq = kv.indexOf('=');
                m.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
            events.add(m);
        }
        return events;
    }
}
