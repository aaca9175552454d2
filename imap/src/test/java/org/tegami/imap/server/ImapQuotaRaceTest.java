package org.tegami.imap.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.testkit.TestTls;

/**
 * RFC 9208 §5.1 over 993: many sessions of one user APPEND at the same moment; each passes the early quota check
 * alone, and the store's transaction must still let exactly the quota's worth through (bob: 2 messages), answering
 * the others {@code NO [OVERQUOTA]}.
 */
class ImapQuotaRaceTest {
    @TempDir
    Path tmp;
    private ImapTestServer server;

    @BeforeEach
    void start() throws IOException {
        server = new ImapTestServer(Files.createDirectory(tmp.resolve("data")), tmp.resolve("tls"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void concurrentAppendsNeverExceedTheQuota() throws Exception {
        int sessions = 8;
        List<SSLSocket> sockets = new ArrayList<>();
        List<BufferedReader> readers = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            SSLSocket s = (SSLSocket) TestTls.trustAllClientContext().getSocketFactory()
                    .createSocket("127.0.0.1", server.port("imaps"));
            s.setSoTimeout(20_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            in.readLine();
            s.getOutputStream().write(("a LOGIN " + ImapTestServer.BOB + " " + ImapTestServer.BOB_PASSWORD + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            assertTrue(tagged(in, "a").startsWith("a OK "));
            sockets.add(s);
            readers.add(in);
        }
        ConcurrentLinkedQueue<String> answers = new ConcurrentLinkedQueue<>();
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(sessions);
        for (int i = 0; i < sessions; i++) {
            OutputStream out = sockets.get(i).getOutputStream();
            BufferedReader in = readers.get(i);
            String msg = "From: alice@example.test\r\nSubject: race " + i + "\r\n\r\nhello\r\n";
            Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                    out.write(("b APPEND INBOX {" + msg.length() + "+}\r\n" + msg + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    answers.add(tagged(in, "b"));
                } catch (Exception e) {
                    answers.add("error: " + e);
                } finally {
                    done.countDown();
                }
            });
        }
        go.countDown();
        assertTrue(done.await(60, TimeUnit.SECONDS));
        for (SSLSocket s : sockets) s.close();
        long ok = answers.stream().filter(a -> a.startsWith("b OK [APPENDUID ")).count();
        long refused = answers.stream().filter(a -> a.equals("b NO [OVERQUOTA] Mailbox quota exceeded")).count();
        assertEquals(2, ok, "exactly the quota's two messages: " + answers);
        assertEquals(sessions - 2, refused, answers.toString());
        var bob = server.store().accounts().user(org.tegami.mime.EmailAddress.parse(ImapTestServer.BOB).orElseThrow())
                .orElseThrow();
        assertEquals(2, server.store().accounts().quota(bob.id()).orElseThrow().usedMessages());
    }

    private static String tagged(BufferedReader in, String tag) throws IOException {
        String l;
        while (!(l = in.readLine()).startsWith(tag + " ")) {
            // untagged data
        }
        return l;
    }
}
