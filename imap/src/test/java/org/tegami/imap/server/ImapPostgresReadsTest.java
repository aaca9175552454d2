package org.tegami.imap.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.embedded.FileObjects;
import org.tegami.store.postgres.PostgresStore;
import org.tegami.testkit.TestPostgres;
import org.tegami.testkit.TestTls;

/**
 * On PostgreSQL, SELECT, EXAMINE, STATUS and LIST-STATUS (RFC 5819) each read in one read transaction, however many
 * mailboxes LIST-STATUS shows, over 993 against a running server. The session re-reads its account at most once a
 * second before a command, in a transaction of its own; each command is measured a few times and the fewest
 * transactions taken, so that check does not count.
 */
class ImapPostgresReadsTest {
    private static final int TRIES = 4;

    @TempDir
    Path tmp;
    private ImapTestServer server;
    private PostgresStore store;
    private SSLSocket socket;
    private BufferedReader in;
    private OutputStream out;

    @BeforeEach
    void start() throws IOException {
        Assumptions.assumeTrue(TestPostgres.available(), TestPostgres.WHY_MISSING);
        TestPostgres.Database db = TestPostgres.get().newDatabase();
        Path objects = Files.createDirectory(tmp.resolve("objects"));
        server = new ImapTestServer(tmp.resolve("tls"), ImapEnvironment.PROGRESS_INTERVAL, clock -> {
            try {
                store = PostgresStore.open(db.url(), db.user(), db.password(), FileObjects.directory(objects), clock);
                return store;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        socket = (SSLSocket) TestTls.trustAllClientContext().getSocketFactory()
                .createSocket("127.0.0.1", server.port("imaps"));
        socket.setSoTimeout(30_000);
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        out = socket.getOutputStream();
        in.readLine();
        assertTrue(command("a LOGIN " + ImapTestServer.ALICE + " " + ImapTestServer.ALICE_PASSWORD).getLast().startsWith("a OK "));
    }

    @AfterEach
    void stop() throws IOException {
        if (socket != null) socket.close();
        if (server != null) server.close();
    }

    @Test
    void selectReadsInOneTransaction() throws IOException {
        List<String> first = command("s SELECT INBOX");
        assertTrue(first.getLast().startsWith("s OK [READ-WRITE]"), first.toString());
        assertEquals(1, fewest("s SELECT INBOX", "s OK [READ-WRITE]"));
        assertEquals(1, fewest("e EXAMINE INBOX", "e OK [READ-ONLY]"));
    }

    @Test
    void statusReadsInOneTransaction() throws IOException {
        assertEquals(1, fewest("t STATUS INBOX (MESSAGES UNSEEN UIDNEXT HIGHESTMODSEQ SIZE)", "t OK"));
        // a mailbox that does not exist is answered from the same single read
        assertEquals(1, fewest("t STATUS Nowhere (MESSAGES)", "t NO [NONEXISTENT]"));
    }

    @Test
    void listStatusOverManyMailboxesReadsInOneTransaction() throws IOException {
        for (int i = 0; i < 40; i++) assertTrue(command("c CREATE Box" + i).getLast().startsWith("c OK"));
        assertEquals(1, fewest("l LIST \"\" \"*\" RETURN (STATUS (MESSAGES UNSEEN UIDNEXT))", "l OK"));
        List<String> lines = command("l LIST \"\" \"Box3\" RETURN (STATUS (MESSAGES UIDNEXT))");
        // RFC 5819 §2: each listed mailbox's STATUS follows its LIST line
        assertEquals(List.of(
                "* LIST (\\HasNoChildren) \"/\" Box3",
                "* STATUS Box3 (MESSAGES 0 UIDNEXT 1)",
                "l OK LIST completed"), lines);
    }

    /** The fewest read transactions one run of {@code line} took, of a few runs; each must end with {@code ok}. */
    private long fewest(String line, String ok) throws IOException {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < TRIES; i++) {
            long before = store.readTransactions();
            List<String> answer = command(line);
            long used = store.readTransactions() - before;
            assertTrue(answer.getLast().startsWith(ok), answer.toString());
            least = Math.min(least, used);
        }
        return least;
    }

    private List<String> command(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        String tag = line.substring(0, line.indexOf(' ') + 1);
        List<String> lines = new ArrayList<>();
        String l;
        do {
            l = in.readLine();
            if (l == null) throw new IOException("connection closed after " + lines);
            lines.add(l);
        } while (!l.startsWith(tag));
        return lines;
    }
}
