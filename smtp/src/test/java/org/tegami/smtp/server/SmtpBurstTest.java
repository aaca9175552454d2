package org.tegami.smtp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.core.Limits;

/**
 * Issue 14 (a): an honest sender keeping as many SMTP sessions busy as the per-address cap allows (Postfix
 * {@code smtp-source -s 20}), each session one message then QUIT and a new connection at once, is never refused:
 * a session that answered QUIT no longer counts against the cap.
 */
class SmtpBurstTest {
    @TempDir
    Path data;
    @TempDir
    Path tls;

    @Test
    void twentyParallelSessionsAtTheCapSendHundredsOfMessagesWithoutA421() throws Exception {
        int sessions = 20;
        int perSession = 15;
        Limits limits = new Limits(512, 1000, 2048, 5, 100, sessions, Duration.ofSeconds(30), Duration.ofSeconds(30), 10, 500);
        try (SmtpTestServer server = new SmtpTestServer(data, tls, limits)) {
            int port = server.port("smtp");
            AtomicInteger sent = new AtomicInteger();
            ConcurrentLinkedQueue<String> refused = new ConcurrentLinkedQueue<>();
            List<Thread> threads = new ArrayList<>();
            for (int s = 0; s < sessions; s++) {
                int id = s;
                threads.add(Thread.ofVirtual().start(() -> {
                    for (int m = 0; m < perSession; m++) {
                        try {
                            send(port, id, m);
                            sent.incrementAndGet();
                        } catch (IOException e) {
                            refused.add(e.getMessage());
                        }
                    }
                }));
            }
            for (Thread t : threads) t.join(120_000);
            assertTrue(refused.isEmpty(), refused.size() + " sessions failed, e.g. " + refused.peek());
            assertEquals(sessions * perSession, sent.get());
            assertEquals(sessions * perSession, server.inbox(SmtpTestServer.ALICE).size());
        }
    }

    /** One session as smtp-source runs it: greeting, EHLO, MAIL, RCPT, DATA, QUIT; any unexpected reply throws. */
    private static void send(int port, int session, int n) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            expect(in, "220");
            command(out, in, "EHLO client.example.org", "250");
            command(out, in, "MAIL FROM:<source@example.org>", "250");
            command(out, in, "RCPT TO:<" + SmtpTestServer.ALICE + ">", "250");
            command(out, in, "DATA", "354");
            command(out, in, "Subject: burst " + session + "." + n + "\r\n\r\nbody\r\n.", "250");
            command(out, in, "QUIT", "221");
        }
    }

    private static void command(OutputStream out, BufferedReader in, String line, String code) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        expect(in, code);
    }

    /** Reads one reply (all its lines) and checks its code. */
    private static void expect(BufferedReader in, String code) throws IOException {
        String l;
        do {
            l = in.readLine();
            if (l == null) throw new IOException("closed while waiting for " + code);
        } while (l.length() > 3 && l.charAt(3) == '-');
        if (!l.startsWith(code)) throw new IOException("expected " + code + ", got " + l);
    }
}
