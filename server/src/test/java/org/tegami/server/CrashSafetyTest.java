package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.Mailbox;
import org.tegami.store.MessageMeta;
import org.tegami.store.Store;

/**
 * The durability promise, tested the hard way: the server runs as a separate process receiving on 20
 * connections, is killed with SIGKILL at a random moment, and restarted. Every message a client got 250 for must
 * be in the store, byte for byte, and the store must open cleanly. On both backends: embedded, and PostgreSQL with an
 * S3 bucket.
 */
class CrashSafetyTest {
    private static final int CLIENTS = 20;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @EnumSource(Backend.class)
    void everyAcknowledgedMessageSurvivesKill9(Backend backend) throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int port = ServerProcess.freePort();
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
                imaps = []
                managesieve = []
                metrics = []
                """.formatted(port) + backend.toml());
        Backend.addUser(config, "example.test", "alice@example.test", "correct horse battery");

        Process server = ServerProcess.cli(dir, config, null, "serve");
        ServerProcess.awaitGreeting(port, server);
        Map<String, byte[]> acknowledged = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            clients.add(Thread.ofVirtual().start(() -> send(port, client, acknowledged, stop)));
        }
        // The kill comes at a random moment after the first acknowledged message, so that a slow start on a loaded
        // machine cannot leave the test with nothing to check.
        long start = System.nanoTime();
        while (acknowledged.isEmpty() && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(60)) Thread.sleep(20);
        long killAfter = random.nextInt(2500);
        Thread.sleep(killAfter);
        server.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
        server.waitFor(10, TimeUnit.SECONDS);
        stop.set(true);
        for (Thread t : clients) t.join(20_000);
        assertTrue(acknowledged.size() > 0, "no message was acknowledged before the kill (seed " + seed + ")");

        // Restart: the store must open and serve again.
        Process again = ServerProcess.cli(dir, config, null, "serve");
        ServerProcess.awaitGreeting(port, again);
        again.destroy();
        again.waitFor(20, TimeUnit.SECONDS);

        Map<String, byte[]> stored = new HashMap<>();
        try (Store store = Backend.open(config)) {
            Account alice = store.accounts().user(EmailAddress.parse("alice@example.test").orElseThrow()).orElseThrow();
            Mailbox inbox = store.mail().mailbox(alice.id(), Mailbox.INBOX).orElseThrow();
            for (MessageMeta m : store.mail().messages(inbox.id())) {
                byte[] bytes;
                try (InputStream in = store.blobs().open(m.content())) {
                    bytes = in.readAllBytes();
                }
                assertEquals(m.size(), bytes.length, "recorded size matches the message (header prefix and blob)");
                byte[] body = withoutTraceHeaders(bytes);
                stored.put(idOf(body), body);
            }
        }
        for (Map.Entry<String, byte[]> e : acknowledged.entrySet()) {
            byte[] got = stored.get(e.getKey());
            assertTrue(got != null, "acknowledged message " + e.getKey() + " lost (seed " + seed + ", killed "
                    + killAfter + " ms after the first 250, " + acknowledged.size() + " acknowledged, " + stored.size() + " stored)");
            assertEquals(new String(e.getValue(), StandardCharsets.US_ASCII), new String(got, StandardCharsets.US_ASCII),
                    "message " + e.getKey() + " is byte-identical");
        }
        System.out.printf(backend + " crash test: killed %d ms after the first 250, %d acknowledged, %d stored, all acknowledged present%n",
                killAfter, acknowledged.size(), stored.size());
    }

    private static void send(int port, int client, Map<String, byte[]> acknowledged, AtomicBoolean stop) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(30_000);
            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            expect(in, "220");
            write(out, "EHLO crash.test\r\n");
            expect(in, "250");
            for (int n = 0; !stop.get(); n++) {
                String id = client + "-" + n;
                byte[] message = ("From: <crash@example.org>\r\nTo: <alice@example.test>\r\nX-Crash-Id: " + id
                        + "\r\nSubject: crash " + id + "\r\n\r\n" + ("line " + id + " ").repeat(50) + "\r\n.dot-stuffed\r\n")
                        .getBytes(StandardCharsets.US_ASCII);
                write(out, "MAIL FROM:<crash@example.org>\r\n");
                expect(in, "250");
                write(out, "RCPT TO:<alice@example.test>\r\n");
                expect(in, "250");
                write(out, "DATA\r\n");
                expect(in, "354");
                out.write(new String(message, StandardCharsets.US_ASCII).replace("\r\n.", "\r\n..").getBytes(StandardCharsets.US_ASCII));
                write(out, ".\r\n");
                if (readReply(in).startsWith("250")) acknowledged.put(id, message);
            }
        } catch (IOException expectedWhenKilled) {
            // the server died under us: whatever was not acknowledged may be lost
        }
    }

    /** Drops the {@code Return-Path:} and {@code Received:} lines the server adds (the latter folded). */
    static byte[] withoutTraceHeaders(byte[] b) {
        String s = new String(b, StandardCharsets.US_ASCII);
        // the inbound pipeline's Authentication-Results comes first, stored as the message's header prefix
        if (s.startsWith("Authentication-Results: ")) s = s.substring(s.indexOf("\r\nReturn-Path: ") + 2);
        assertTrue(s.startsWith("Return-Path: <crash@example.org>\r\nReceived: from crash.test"), s.substring(0, Math.min(200, s.length())));
        int i = s.indexOf("\r\nFrom: ");
        return s.substring(i + 2).getBytes(StandardCharsets.US_ASCII);
    }

    private static String idOf(byte[] body) {
        String s = new String(body, StandardCharsets.US_ASCII);
        int i = s.indexOf("X-Crash-Id: ");
        return s.substring(i + 12, s.indexOf("\r\n", i));
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String readReply(BufferedReader in) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) throw new IOException("closed");
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    private static void expect(BufferedReader in, String code) throws IOException {
        String r = readReply(in);
        if (!r.startsWith(code)) throw new IOException("expected " + code + " got " + r);
    }
}
