package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.Mailbox;
import org.tegami.store.MessageMeta;
import org.tegami.store.Store;
import org.tegami.testkit.TestTls;

/**
 * IMAP's durability promise under SIGKILL: the server runs as a separate process while clients APPEND over 993
 * and flag what they appended; it is killed at a random moment and restarted. Every APPEND answered OK must be
 * there byte for byte, and every UID STORE answered OK must have left its flag. On both backends: embedded, and
 * PostgreSQL with an S3 bucket.
 */
class ImapCrashSafetyTest {
    private static final int CLIENTS = 6;
    private static final Pattern APPENDUID = Pattern.compile("^a\\d+ OK \\[APPENDUID \\d+ (\\d+)\\]");

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @EnumSource(Backend.class)
    void everyAcknowledgedAppendAndStoreSurvivesKill9(Backend backend) throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int smtp = ServerProcess.freePort();
        int imaps = ServerProcess.freePort();
        Path config = dir.resolve("tegami.toml");
        Files.writeString(config, """
                hostname = "mail.example.test"
                data_dir = "data"
                [listen]
                smtp = ["127.0.0.1:%d"]
                submission = []
                submissions = []
                pop3 = []
                pop3s = []
                imap = []
                imaps = ["127.0.0.1:%d"]
                managesieve = []
                metrics = []
                """.formatted(smtp, imaps) + backend.toml());
        Backend.addUser(config, "example.test", "alice@example.test", "correct horse battery");

        Process server = ServerProcess.cli(dir, config, null, "serve");
        ServerProcess.awaitGreeting(smtp, server);
        Map<String, byte[]> appended = new ConcurrentHashMap<>();
        Set<String> flagged = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            clients.add(Thread.ofVirtual().start(() -> work(imaps, client, appended, flagged, stop)));
        }
        // Logins cost an Argon2id verification each, and a loaded machine (a build beside the test) makes them slow:
        // the kill comes at a random moment after the first acknowledged APPEND, not at a fixed time after start.
        long start = System.nanoTime();
        while (appended.isEmpty() && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(60)) Thread.sleep(20);
        long killAfter = random.nextInt(2500);
        Thread.sleep(killAfter);
        server.destroyForcibly(); // SIGKILL
        server.waitFor(10, TimeUnit.SECONDS);
        stop.set(true);
        for (Thread t : clients) t.join(20_000);
        assertTrue(appended.size() > 0, "no APPEND was acknowledged before the kill (seed " + seed + ")");

        Process again = ServerProcess.cli(dir, config, null, "serve");
        ServerProcess.awaitGreeting(smtp, again);
        again.destroy();
        again.waitFor(20, TimeUnit.SECONDS);

        Map<String, MessageMeta> stored = new HashMap<>();
        Map<String, byte[]> bytes = new HashMap<>();
        try (Store store = Backend.open(config)) {
            Account alice = store.accounts().user(EmailAddress.parse("alice@example.test").orElseThrow()).orElseThrow();
            Mailbox inbox = store.mail().mailbox(alice.id(), Mailbox.INBOX).orElseThrow();
            for (MessageMeta m : store.mail().messages(inbox.id())) {
                byte[] b;
                try (InputStream in = store.blobs().open(m.blob())) {
                    b = in.readAllBytes();
                }
                String s = new String(b, StandardCharsets.US_ASCII);
                String id = s.substring(s.indexOf("X-Crash-Id: ") + 12, s.indexOf("\r\n", s.indexOf("X-Crash-Id: ")));
                stored.put(id, m);
                bytes.put(id, b);
            }
        }
        for (var e : appended.entrySet()) {
            assertTrue(stored.containsKey(e.getKey()), "acknowledged APPEND " + e.getKey() + " lost (seed " + seed
                    + ", killed " + killAfter + " ms after the first APPEND)");
            assertEquals(new String(e.getValue(), StandardCharsets.US_ASCII),
                    new String(bytes.get(e.getKey()), StandardCharsets.US_ASCII), "byte-identical");
        }
        for (String id : flagged) {
            assertTrue(stored.get(id).flags().contains("\\Flagged"), "acknowledged STORE on " + id + " lost (seed " + seed + ")");
        }
        System.out.printf(backend + " IMAP crash test: killed %d ms after the first APPEND, %d APPENDs and %d STOREs acknowledged, %d stored, all present%n",
                killAfter, appended.size(), flagged.size(), stored.size());
    }

    private static void work(int port, int client, Map<String, byte[]> appended, Set<String> flagged, AtomicBoolean stop) {
        try (SSLSocket s = (SSLSocket) TestTls.trustAllClientContext().getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            in.readLine(); // greeting
            command(out, in, "l LOGIN alice@example.test \"correct horse battery\"");
            command(out, in, "s SELECT INBOX");
            for (int n = 0; !stop.get(); n++) {
                String id = client + "-" + n;
                byte[] message = ("From: <crash@example.org>\r\nX-Crash-Id: " + id + "\r\nSubject: crash " + id
                        + "\r\n\r\n" + ("line " + id + " ").repeat(40) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                out.write(("a" + n + " APPEND INBOX {" + message.length + "+}\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(message);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String ok = command(out, in, null);
                Matcher m = APPENDUID.matcher(ok);
                if (!m.find()) continue;
                appended.put(id, message);
                if (command(out, in, "f" + n + " UID STORE " + m.group(1) + " +FLAGS.SILENT (\\Flagged)").startsWith("f" + n + " OK")) {
                    flagged.add(id);
                }
            }
        } catch (IOException expectedWhenKilled) {
            // the server died under us: whatever was not acknowledged may be lost
        }
    }

    /** Sends {@code line} (unless null) and returns the tagged response line. */
    private static String command(OutputStream out, BufferedReader in, String line) throws IOException {
        if (line != null) {
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        String r;
        do {
            r = in.readLine();
            if (r == null) throw new IOException("closed");
        } while (r.startsWith("* ") || r.startsWith("+ "));
        return r;
    }
}
