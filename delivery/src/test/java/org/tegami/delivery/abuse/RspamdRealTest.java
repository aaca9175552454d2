package org.tegami.delivery.abuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.delivery.InboundMessage;
import org.tegami.delivery.Outcome;
import org.tegami.delivery.spam.SpamStage;
import org.tegami.store.AccountId;
import org.tegami.store.BlobId;
import org.tegami.testkit.FreePort;

/**
 * The rspamd stage against a real rspamd (Debian's {@code rspamd} package, 3.4; Redis, Debian's
 * {@code redis-server}, for the learning test), started on free loopback ports with a throwaway configuration directory. Skipped where rspamd is not
 * installed.
 */
class RspamdRealTest {
    private static final Path RSPAMD = Path.of("/usr/bin/rspamd");
    private static final Path REDIS = Path.of("/usr/bin/redis-server");
    private static final AccountId ALICE = new AccountId(1);

    @TempDir
    Path dir;

    /** Below the ephemeral range (see {@link FreePort}): rspamd and Redis bind it later, in processes of their own. */
    private static int freePort() throws Exception {
        return FreePort.pick();
    }

    private static InboundMessage message(String text) throws Exception {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        return new InboundMessage(InetAddress.getByName("192.0.2.1"), "client.example.org", "a@example.org", List.of(ALICE),
                false, Optional.empty(), new BlobId("b".repeat(64)), b.length, max -> java.util.Arrays.copyOf(b, Math.min(max, b.length)));
    }

    /** A running rspamd (and its Redis, for the learning test) on free loopback ports. */
    private final class Rspamd implements AutoCloseable {
        final int normal = freePort();
        final int controller = freePort();
        final List<Process> processes = new ArrayList<>();

        Rspamd(boolean redis) throws Exception {
            assumeTrue(Files.isExecutable(RSPAMD) && Files.isRegularFile(Path.of("/etc/rspamd/rspamd.conf")), "rspamd not installed");
            if (redis) assumeTrue(Files.isExecutable(REDIS), "redis-server not installed");
            try {
                start(redis);
            } catch (Throwable e) {
                close(); // a start that failed half-way must not leave rspamd or Redis running after the test
                throw e;
            }
        }

        private void start(boolean redis) throws Exception {
            Path local = Files.createDirectories(dir.resolve("local.d"));
            if (redis) {
                int port = freePort();
                processes.add(new ProcessBuilder(REDIS.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                        "--save", "", "--appendonly", "no", "--dir", dir.toString()).redirectErrorStream(true)
                        .redirectOutput(dir.resolve("redis.log").toFile()).start());
                await(port, processes.getFirst(), "redis.log");
                // Bayes statistics live in Redis (rspamd 3's only backend); learning needs it
                Files.writeString(local.resolve("redis.conf"), "servers = \"127.0.0.1:" + port + "\";\n");
            }
            Files.writeString(local.resolve("worker-normal.inc"), "bind_socket = \"127.0.0.1:" + normal + "\";\ncount = 1;\n");
            Files.writeString(local.resolve("worker-controller.inc"), "bind_socket = \"127.0.0.1:" + controller + "\";\ncount = 1;\n");
            Files.writeString(local.resolve("worker-proxy.inc"), "bind_socket = \"127.0.0.1:" + freePort() + "\";\ncount = 1;\n");
            Files.writeString(local.resolve("logging.inc"), "type = \"console\";\nlevel = \"error\";\n");
            Files.createDirectories(dir.resolve("db"));
            Files.createDirectories(dir.resolve("run"));
            List<String> cmd = new ArrayList<>(List.of(RSPAMD.toString(), "-f", "-i", "-c", "/etc/rspamd/rspamd.conf",
                    "--var", "LOCAL_CONFDIR=" + dir, "--var", "DBDIR=" + dir.resolve("db"), "--var", "RUNDIR=" + dir.resolve("run"),
                    "--var", "LOGDIR=" + dir));
            if ("root".equals(System.getProperty("user.name"))) cmd.addAll(List.of("-u", "root", "-g", "root"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("rspamd.log").toFile()).start();
            processes.add(p);
            await(normal, p, "rspamd.log");
            await(controller, p, "rspamd.log");
        }

        /**
         * Until {@code port} accepts. rspamd's main process spends about 13 s of CPU (its Lua rules and maps) before it
         * forks the workers that listen: on two cores with a load of 12 that took 80 to 120 s, past the 90 s this
         * waited before, so the wait is 300 s; a dead process still ends it at once.
         */
        private void await(int port, Process p, String log) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
            while (System.nanoTime() < deadline && p.isAlive()) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    return;
                } catch (java.io.IOException e) {
                    Thread.sleep(250);
                }
            }
            throw new AssertionError(log + " did not start: " + Files.readString(dir.resolve(log)));
        }

        @Override
        public void close() throws Exception {
            for (Process p : processes.reversed()) {
                p.descendants().forEach(ProcessHandle::destroy);
                p.destroy();
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
            }
        }
    }

    @Test
    void realRspamdJudgesAndRejectsGtube() throws Exception {
        try (Rspamd rspamd = new Rspamd(false)) {
            RspamdStage stage = new RspamdStage(URI.create("http://127.0.0.1:" + rspamd.normal), true, Duration.ofSeconds(20),
                    InstantSource.system(), a -> Optional.of("alice@example.test"));
            assertEquals(new Outcome.Refuse(554, "5.7.1", "Message refused as spam"), stage.apply(message(
                    "From: a@example.org\r\nTo: alice@example.test\r\nSubject: test\r\n\r\n" + SpamStage.GTUBE + "\r\n"),
                    ALICE, Outcome.Deliver.INBOX));
            Outcome o = stage.apply(message("From: a@example.org\r\nTo: alice@example.test\r\nSubject: lunch\r\n"
                    + "Date: Sun, 6 Dec 2026 12:00:00 +0000\r\nMessage-ID: <1@example.org>\r\n\r\nNoon?\r\n"), ALICE, Outcome.Deliver.INBOX);
            assertTrue(o instanceof Outcome.Deliver, String.valueOf(o));
            String h = ((Outcome.Deliver) o).headers().getFirst();
            assertTrue(h.startsWith("X-Spamd-Result: action="), h);
            assertTrue(Set.of("no action", "add header", "greylist").stream().anyMatch(a -> h.contains("action=" + a + ";")), h);
        }
    }

    /** A user's Junk move, as the learning queue sends it, is learned by rspamd's Bayes (counted in {@code /stat}). */
    @Test
    void realRspamdLearnsFromJunkMoves() throws Exception {
        try (Rspamd rspamd = new Rspamd(true)) {
            URI controller = URI.create("http://127.0.0.1:" + rspamd.controller);
            RspamdLearner learner = new RspamdLearner(controller, Optional.empty(), Duration.ofSeconds(20), InstantSource.system());
            byte[] spam = ("From: win@lottery.example\r\nTo: alice@example.test\r\nSubject: You won\r\n"
                    + "Message-ID: <x1@lottery.example>\r\n\r\nClaim your jackpot now: transfer the fee and the prize"
                    + " money is yours within a day\r\n").getBytes(StandardCharsets.US_ASCII);
            assertEquals(RspamdLearner.Result.LEARNED, learner.learn(org.tegami.store.ClassifierStore.Verdict.SPAM,
                    Optional.of("alice@example.test"), () -> new java.io.ByteArrayInputStream(spam), spam.length));
            assertEquals(RspamdLearner.Result.ALREADY_LEARNED, learner.learn(org.tegami.store.ClassifierStore.Verdict.SPAM,
                    Optional.of("alice@example.test"), () -> new java.io.ByteArrayInputStream(spam), spam.length));
            String stat;
            try (java.net.http.HttpClient c = java.net.http.HttpClient.newHttpClient()) {
                stat = c.send(java.net.http.HttpRequest.newBuilder(controller.resolve("/stat")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            }
            assertTrue(stat.contains("\"learned\":1,"), stat);
            // the user takes it back out of Junk: rspamd relearns it as ham
            assertEquals(RspamdLearner.Result.LEARNED, learner.learn(org.tegami.store.ClassifierStore.Verdict.HAM,
                    Optional.of("alice@example.test"), () -> new java.io.ByteArrayInputStream(spam), spam.length));
        }
    }
}
