package org.tegami.smtp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.embedded.FileObjects;
import org.tegami.store.postgres.PostgresStore;
import org.tegami.testkit.TestPostgres;

/**
 * On PostgreSQL, a recipient's quota costs no read transaction of its own: at RCPT it is read with the recipient's
 * lookups (one transaction), and at the end of DATA the early quota answer is read in the group the inbound
 * pipeline opens, so a delivery to a recipient with a quota reads in as many transactions as one to a recipient
 * without. Over port 25, a few messages each, the fewest transactions taken (the store's background work may read
 * meanwhile).
 */
class SmtpPostgresReadsTest {
    private static final int TRIES = 4;

    @TempDir
    Path dir;
    private SmtpTestServer server;
    private PostgresStore store;

    @BeforeEach
    void start() throws IOException {
        Assumptions.assumeTrue(TestPostgres.available(), TestPostgres.WHY_MISSING);
        TestPostgres.Database db = TestPostgres.get().newDatabase();
        Path objects = Files.createDirectory(dir.resolve("objects"));
        server = new SmtpTestServer(dir.resolve("tls"), clock -> {
            try {
                store = PostgresStore.open(db.url(), db.user(), db.password(), FileObjects.directory(objects), clock);
                return store;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        var bob = store.accounts().user(SmtpTestServer.address(SmtpTestServer.BOB)).orElseThrow();
        store.accounts().setQuota(bob.id(), OptionalLong.of(100_000), OptionalLong.of(1_000)); // KiB, messages
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    @Test
    void theQuotaIsReadWithTheRecipientAndWithThePipeline() throws IOException {
        long[] alice = fewest(SmtpTestServer.ALICE);
        long[] bob = fewest(SmtpTestServer.BOB);
        assertEquals(1, bob[0], "read transactions of RCPT for a recipient with a quota");
        assertEquals(1, alice[0], "read transactions of RCPT for a recipient without a quota");
        assertEquals(alice[1], bob[1], "read transactions from the end of DATA to 250, with a quota and without");
    }

    @Test
    void aMessageOverTheQuotaIsStillRefusedAtTheEndOfData() throws IOException {
        var bob = store.accounts().user(SmtpTestServer.address(SmtpTestServer.BOB)).orElseThrow();
        store.accounts().setQuota(bob.id(), OptionalLong.of(1), OptionalLong.of(1_000)); // 1 KiB
        try (Session s = new Session(server.port("smtp"))) {
            s.send("MAIL FROM:<sender@example.org>");
            assertTrue(s.reply().startsWith("250 "));
            s.send("RCPT TO:<" + SmtpTestServer.BOB + ">");
            assertTrue(s.reply().startsWith("250 "));
            s.send("DATA");
            assertTrue(s.reply().startsWith("354 "));
            s.send("Subject: big\r\n\r\n" + "x".repeat(70).concat("\r\n").repeat(20) + ".");
            assertEquals("552 5.2.2 Mailbox full: this message exceeds the recipient's quota", s.reply());
        }
    }

    /** The fewest read transactions of RCPT and of the end of DATA (to the 250), over a few messages to {@code to}. */
    private long[] fewest(String to) throws IOException {
        long[] least = {Long.MAX_VALUE, Long.MAX_VALUE};
        try (Session s = new Session(server.port("smtp"))) {
            for (int i = 0; i < TRIES; i++) {
                s.send("MAIL FROM:<sender@example.org>");
                assertTrue(s.reply().startsWith("250 "));
                long before = store.readTransactions();
                s.send("RCPT TO:<" + to + ">");
                assertTrue(s.reply().startsWith("250 "));
                least[0] = Math.min(least[0], store.readTransactions() - before);
                s.send("DATA");
                assertTrue(s.reply().startsWith("354 "));
                before = store.readTransactions();
                s.send("Subject: count " + i + "\r\nMessage-ID: <count" + i + "@example.org>\r\n\r\nhello\r\n.");
                String done = s.reply();
                assertTrue(done.startsWith("250 "), done);
                least[1] = Math.min(least[1], store.readTransactions() - before);
            }
        }
        return least;
    }

    /** A plain SMTP client on port 25: one line out, one (last) reply line in. */
    private static final class Session implements AutoCloseable {
        private final Socket socket;
        private final BufferedReader in;
        private final OutputStream out;

        Session(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(30_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = socket.getOutputStream();
            assertTrue(reply().startsWith("220 "));
            send("EHLO client.example.org");
            assertTrue(reply().startsWith("250 "));
        }

        void send(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        String reply() throws IOException {
            String l;
            do {
                l = in.readLine();
                if (l == null) throw new IOException("connection closed");
            } while (l.length() > 3 && l.charAt(3) == '-');
            return l;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
