package org.tegami.imap.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.BlobId;
import org.tegami.testkit.TestTls;

/**
 * What the store keeps of a user's mail, driven over 993: a refused APPEND leaves no bytes behind (bob, with a
 * 1 KiB quota, once grew the store by megabytes with non-synchronizing APPENDs that were then refused), and
 * expunged mail is deleted from disk once the collector runs.
 */
class ImapBlobLifecycleTest {
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

    private record Client(SSLSocket socket, BufferedReader in, OutputStream out) implements AutoCloseable {
        String command(String line) throws IOException {
            out.write(line.getBytes(StandardCharsets.UTF_8));
            out.flush();
            String tag = line.substring(0, line.indexOf(' '));
            String l;
            while (!(l = in.readLine()).startsWith(tag + " ")) {
                // untagged data
            }
            return l;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private Client login(String user, String password) throws IOException {
        SSLSocket s = (SSLSocket) TestTls.trustAllClientContext().getSocketFactory()
                .createSocket("127.0.0.1", server.port("imaps"));
        s.setSoTimeout(10_000);
        var c = new Client(s, new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)),
                s.getOutputStream());
        c.in().readLine();
        assertTrue(c.command("a LOGIN " + user + " " + password + "\r\n").startsWith("a OK "));
        return c;
    }

    private static BlobId sha256(String message) throws Exception {
        return BlobId.of(MessageDigest.getInstance("SHA-256").digest(message.getBytes(StandardCharsets.UTF_8)));
    }

    private static String message(String subject, int size) {
        StringBuilder b = new StringBuilder("From: bob@example.test\r\nSubject: " + subject + "\r\n\r\n");
        while (b.length() < size) b.append("The quick brown fox jumps over the lazy dog.\r\n");
        return b.toString();
    }

    @Test
    void refusedAppendsLeaveNoBlobBehind() throws Exception {
        try (Client bob = login(ImapTestServer.BOB, ImapTestServer.BOB_PASSWORD)) {
            for (int size : new int[] {5_000, 300_000}) { // one kept in the database, one a file
                String over = message("over quota " + size, size);
                // LITERAL+: the octets come at once, so the server must read them before it can refuse
                assertEquals("b NO [OVERQUOTA] Mailbox quota exceeded",
                        bob.command("b APPEND INBOX {" + over.length() + "+}\r\n" + over + "\r\n"));
                assertFalse(server.store().blobs().exists(sha256(over)), "an over-quota APPEND kept " + size + " octets");
                String nowhere = message("no such mailbox " + size, size);
                assertEquals("c NO [TRYCREATE] No such mailbox",
                        bob.command("c APPEND Nowhere {" + nowhere.length() + "+}\r\n" + nowhere + "\r\n"));
                assertFalse(server.store().blobs().exists(sha256(nowhere)), "an APPEND to nowhere kept " + size + " octets");
            }
        }
    }

    @Test
    void expungedMessagesLeaveTheDiskWhenTheCollectorRuns() throws Exception {
        try (Client alice = login(ImapTestServer.ALICE, ImapTestServer.ALICE_PASSWORD)) {
            String small = message("small", 2_000);
            String large = message("large", 400_000);
            for (String m : new String[] {small, large}) {
                assertTrue(alice.command("d APPEND Archive {" + m.length() + "+}\r\n" + m + "\r\n").startsWith("d OK [APPENDUID "));
            }
            server.store().blobs().collect();
            assertTrue(server.store().blobs().exists(sha256(small)) && server.store().blobs().exists(sha256(large)));
            assertTrue(alice.command("e SELECT Archive\r\n").startsWith("e OK "));
            assertEquals("f OK STORE completed", alice.command("f STORE 1:* +FLAGS.SILENT (\\Deleted)\r\n"));
            assertEquals("g OK EXPUNGE completed", alice.command("g EXPUNGE\r\n"));
            assertEquals(2, server.store().blobs().collect());
            assertFalse(server.store().blobs().exists(sha256(small)), "expunged mail is still on disk");
            assertFalse(server.store().blobs().exists(sha256(large)), "expunged mail is still on disk");
        }
    }
}
