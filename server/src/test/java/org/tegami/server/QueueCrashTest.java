package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.Account;
import org.tegami.store.BlobStore;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.MessageMeta;
import org.tegami.store.Store;
import org.tegami.testkit.TestDnsServer;

/**
 * The outbound queue under kill -9: server A (a separate process) delivers 300 queued messages to B and is killed
 * at a random moment, then restarted. Every message reaches B; a message can arrive twice only if it was in
 * flight at the kill, so duplicates stay below A's delivery concurrency. A's queue is embedded, or in PostgreSQL with
 * its blobs in an S3 bucket.
 */
class QueueCrashTest {
    private static final int MESSAGES = 300;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @EnumSource(Backend.class)
    void queuedMailSurvivesKill9AndIsDeliveredAtMostOnceMoreThanOnce(Backend backend) throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Files.createDirectories(dir.resolve("b"));
        Files.writeString(dir.resolve("b/tegami.toml"), "hostname = \"mx.b.test\"\n[listen]\nsmtp = [\"127.0.0.1:0\"]\n"
                + "submission = []\nsubmissions = []\npop3 = []\npop3s = []\nimap = []\nimaps = []\nmanagesieve = []\nmetrics = []\n");
        try (TestDnsServer dns = new TestDnsServer().add("b.test. 300 IN MX 10 mx.b.test.").add("mx.b.test. 300 IN A 127.0.0.1");
             TegamiServer b = TegamiServer.start(ConfigLoader.load(dir.resolve("b/tegami.toml")), InstantSource.system())) {
            b.store().accounts().addDomain("b.test");
            Account bob = b.store().accounts().addUser(EmailAddress.parse("bob@b.test").orElseThrow(),
                    new PasswordHasher().hash("bob-password".toCharArray()));
            int aPort = ServerProcess.freePort();
            Path config = dir.resolve("a.toml");
            Files.writeString(config, "hostname = \"mail.a.test\"\ndata_dir = \"a\"\n[listen]\nsmtp = [\"127.0.0.1:" + aPort
                    + "\"]\nsubmission = []\nsubmissions = []\npop3 = []\npop3s = []\nimap = []\nimaps = []\nmanagesieve = []\nmetrics = []\n[dns]\nnameservers = [\"127.0.0.1:"
                    + dns.address().getPort() + "\"]\n[outbound]\nmx_port = " + b.port("smtp") + "\n" + backend.toml());
            try (Store a = Backend.open(config)) {
                for (int i = 0; i < MESSAGES; i++) {
                    byte[] m = ("From: <alice@a.test>\r\nX-Crash-Id: q" + i + "\r\nSubject: " + i + "\r\n\r\nbody\r\n")
                            .getBytes(StandardCharsets.US_ASCII);
                    try (BlobStore.BlobWriter w = a.blobs().create()) {
                        w.stream().write(m);
                        a.mail().deliver(new DeliveryRequest(w.commit(), m.length, Instant.now(), Set.of(),
                                Optional.of(new DeliveryRequest.Outbound("alice@a.test", List.of("bob@b.test"), 0))));
                    }
                }
            }
            Process server = ServerProcess.cli(dir, config, null, "serve");
            ServerProcess.awaitGreeting(aPort, server);
            long killAfter = 100 + random.nextInt(900);
            Thread.sleep(killAfter);
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
            int before = count(b, bob).size();

            Process again = ServerProcess.cli(dir, config, null, "serve");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            Map<String, Integer> seen = count(b, bob);
            while (seen.size() < MESSAGES && System.nanoTime() < deadline) {
                Thread.sleep(200);
                seen = count(b, bob);
            }
            again.destroy();
            again.waitFor(20, TimeUnit.SECONDS);
            int total = seen.values().stream().mapToInt(Integer::intValue).sum();
            String info = " (seed " + seed + ", killed after " + killAfter + " ms with " + before + " delivered)";
            assertEquals(MESSAGES, seen.size(), "every queued message reached B" + info);
            assertTrue(total - MESSAGES <= 20, (total - MESSAGES) + " duplicates, more than could be in flight" + info);
            System.out.printf(backend + " queue crash test: killed after %d ms (%d delivered), %d duplicates after restart%n",
                    killAfter, before, total - MESSAGES);
        }
    }

    /** X-Crash-Id → how many copies B stored. */
    private static Map<String, Integer> count(TegamiServer b, Account bob) throws Exception {
        Map<String, Integer> out = new HashMap<>();
        var inbox = b.store().mail().mailbox(bob.id(), "INBOX").orElseThrow();
        for (MessageMeta m : b.store().mail().messages(inbox.id())) {
            try (InputStream in = b.store().blobs().open(m.blob())) {
                String s = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
                int i = s.indexOf("X-Crash-Id: ");
                out.merge(s.substring(i + 12, s.indexOf("\r\n", i)), 1, Integer::sum);
            }
        }
        return out;
    }
}
