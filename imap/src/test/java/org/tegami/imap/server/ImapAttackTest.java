package org.tegami.imap.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.testkit.TestTls;

/**
 * Attacks by an ordinary logged-in user (issue 12), each over real loopback connections to a running server: literal
 * headers that would make the server allocate what was only declared, a LIST pattern that backtracks, and a subject
 * that overflowed the stack of the base-subject regexes. Each checks the answer and that other users are unaffected.
 */
class ImapAttackTest {
    @TempDir
    Path tmp;
    private ImapTestServer server;
    private final List<Client> clients = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = new ImapTestServer(Files.createDirectory(tmp.resolve("data")), tmp.resolve("tls"));
    }

    @AfterEach
    void stop() {
        for (Client c : clients) c.close();
        server.close();
    }

    /** One connection on 993; lines are read byte by byte, the test's own heap stays small. */
    private final class Client implements AutoCloseable {
        final SSLSocket socket;
        final InputStream in;
        final OutputStream out;

        Client() throws IOException {
            socket = (SSLSocket) TestTls.trustAllClientContext().getSocketFactory()
                    .createSocket("127.0.0.1", server.port("imaps"));
            socket.setSoTimeout(10_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
            clients.add(this);
            assertTrue(line().startsWith("* OK [CAPABILITY "));
        }

        Client login(String user, String password) throws IOException {
            send("l LOGIN " + user + " " + password);
            assertTrue(line().startsWith("l OK "));
            return this;
        }

        void send(String command) throws IOException {
            out.write((command + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            int b;
            while ((b = in.read()) != '\n') {
                if (b < 0) throw new IOException("connection closed after: " + sb);
                if (b != '\r') sb.append((char) b);
            }
            return sb.toString();
        }

        /** The lines up to and including the tagged response of {@code tag}. */
        List<String> untilTagged(String tag) throws IOException {
            List<String> lines = new ArrayList<>();
            String l;
            do {
                l = line();
                lines.add(l);
            } while (!l.startsWith(tag + " "));
            return lines;
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    // --- attack 3: literals ---------------------------------------------------------------------------------

    @Test
    void hugeLiteralHeadersAreRefusedBeforePlusAndCostNoHeap() throws IOException {
        long before = usedHeapAfterGc();
        List<String> metadata = new ArrayList<>();
        List<String> search = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Client c = new Client().login(ImapTestServer.ALICE, ImapTestServer.ALICE_PASSWORD);
            c.send("a1 SETMETADATA INBOX (/private/comment {60000000}");
            metadata.add(c.line());
            c.send("a2 SEARCH TEXT {60000000}");
            search.add(c.line());
        }
        long grown = usedHeapAfterGc() - before;
        // an honest user is not affected while the eight connections wait mid-command
        Client bob = new Client().login(ImapTestServer.BOB, ImapTestServer.BOB_PASSWORD);
        bob.send("b1 SELECT INBOX");
        assertEquals("b1 OK [READ-WRITE] SELECT completed", bob.untilTagged("b1").getLast());

        for (String l : metadata) assertEquals("a1 NO [METADATA MAXSIZE 65536] Value too large", l);
        for (String l : search) assertEquals("a2 BAD [TOOBIG] Literal too large", l);
        assertTrue(grown < 32L << 20, "heap grew by " + (grown >> 20) + " MiB while 8 connections declared 60 MB literals");
    }

    @Test
    void literalOctetsHeldAtOnceAreBoundedPerUser() throws IOException {
        int declared = 60_000; // under the 64 KiB limit of one command
        List<Client> accepted = new ArrayList<>();
        List<Client> refused = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            Client c = new Client().login(ImapTestServer.ALICE, ImapTestServer.ALICE_PASSWORD);
            c.send("a3 SEARCH TEXT {" + declared + "}");
            String l = c.line();
            if (l.startsWith("+ ")) {
                accepted.add(c);
            } else {
                assertEquals("a3 NO [LIMIT] Too much literal data held at once; try again later", l);
                refused.add(c);
            }
        }
        assertTrue(!refused.isEmpty() && (long) accepted.size() * declared <= LiteralBudget.PER_USER,
                accepted.size() + " connections may each send " + declared + " octets");

        // another user still gets "+", and a literal ending frees its share for the next one
        Client bob = new Client().login(ImapTestServer.BOB, ImapTestServer.BOB_PASSWORD);
        bob.send("b1 SEARCH TEXT {5}");
        assertTrue(bob.line().startsWith("+ "));
        bob.send("hello");
        assertEquals("b1 BAD No mailbox selected", bob.line());
        Client done = accepted.getFirst();
        done.out.write(new byte[declared]); // NULs: refused after being read, the connection goes on
        done.send("");
        assertEquals("a3 BAD NUL in literal", done.line());
        Client retry = refused.getFirst();
        retry.send("a4 SEARCH TEXT {" + declared + "}");
        assertTrue(retry.line().startsWith("+ "));
    }

    @Test
    void nonSynchronizingLiteralOverTheBudgetClosesTheConnection() throws IOException {
        List<Client> holders = new ArrayList<>();
        for (int i = 0; i * 60_000L < LiteralBudget.PER_USER; i++) {
            Client c = new Client().login(ImapTestServer.ALICE, ImapTestServer.ALICE_PASSWORD);
            c.send("a1 SEARCH TEXT {60000}");
            if (!c.line().startsWith("+ ")) break;
            holders.add(c);
        }
        Client c = new Client().login(ImapTestServer.ALICE, ImapTestServer.ALICE_PASSWORD);
        c.send("a2 SEARCH TEXT {60000+}");
        assertEquals("a2 NO [LIMIT] Too much literal data held at once; try again later", c.line());
        assertEquals("* BYE Cannot recover from that command, closing connection", c.line());
    }

    @Test
    void catenateTextIsStreamedAndRefusedBeforePlusWhenTooBig() throws IOException {
        Client c = new Client().login(ImapTestServer.ALICE, ImapTestServer.ALICE_PASSWORD);
        String text = "Subject: big\r\n\r\n" + "0123456789abcdefghijklmnopqrstuvwxyz\r\n".repeat(8000); // 304 KB
        c.send("a1 APPEND Drafts CATENATE (TEXT {" + text.length() + "}");
        assertTrue(c.line().startsWith("+ "));
        c.out.write(text.getBytes(StandardCharsets.US_ASCII));
        c.send(" URL \"/INBOX/;UID=3/;SECTION=TEXT\")");
        assertTrue(c.untilTagged("a1").getLast().startsWith("a1 OK [APPENDUID "));
        c.send("a2 STATUS Drafts (MESSAGES SIZE)");
        assertEquals(List.of("* STATUS Drafts (MESSAGES 1 SIZE " + (text.length() + 29) + ")", "a2 OK STATUS completed"),
                c.untilTagged("a2"));
        // over the message size limit: refused instead of "+", and the connection goes on
        c.send("a3 APPEND Drafts CATENATE (TEXT {" + text.length() + "}");
        assertTrue(c.line().startsWith("+ "));
        c.out.write(text.getBytes(StandardCharsets.US_ASCII));
        c.send(" TEXT {" + ImapTestServer.MAX_MESSAGE + "}");
        assertEquals("a3 NO [TOOBIG] Message larger than " + ImapTestServer.MAX_MESSAGE + " octets", c.line());
        c.send("a4 NOOP");
        assertEquals("a4 OK NOOP completed", c.line());
    }

    // --- attack 4: LIST -------------------------------------------------------------------------------------

    @Test
    void backtrackingListPatternAnswersQuickly() throws IOException {
        Client c = new Client().login(ImapTestServer.ALICE, ImapTestServer.ALICE_PASSWORD);
        String name = "a".repeat(60);
        c.send("a1 CREATE " + name);
        assertTrue(c.untilTagged("a1").getLast().startsWith("a1 OK "));
        // a regex took 14 s for this pattern, and 8 times as long per extra "*a"; linear matching takes milliseconds,
        // so 8 s still tells them apart, with room for a loaded machine
        c.socket.setSoTimeout(8_000);
        long start = System.nanoTime();
        c.send("a2 LIST \"\" \"*a*a*a*a*a*a*a*b\"");
        assertEquals(List.of("a2 OK LIST completed"), c.untilTagged("a2"));
        c.send("a3 LIST \"\" \"*a*a*a*a*a*a*a*\"");
        assertEquals(List.of("* LIST (\\HasNoChildren) \"/\" " + name, "a3 OK LIST completed"), c.untilTagged("a3"));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 8_000, "LIST took " + millis + " ms");
    }

    // --- attack 5: SORT and THREAD ---------------------------------------------------------------------------

    @Test
    void subjectThatOverflowedTheRegexStackStillSortsAndThreads() throws IOException {
        String message = "From: mallory@example.org\r\nSubject: " + "[]".repeat(4000) + "Re: x\r\n"
                + "Message-ID: <m@example.org>\r\n\r\nhi\r\n";
        Client c = new Client().login(ImapTestServer.ALICE, ImapTestServer.ALICE_PASSWORD);
        c.send("a1 APPEND INBOX {" + message.length() + "+}");
        c.out.write(message.getBytes(StandardCharsets.US_ASCII));
        c.send("");
        assertTrue(c.untilTagged("a1").getLast().startsWith("a1 OK [APPENDUID "));
        c.send("a2 SELECT INBOX");
        assertTrue(c.untilTagged("a2").getLast().startsWith("a2 OK "));
        c.send("a3 SORT (SUBJECT) UTF-8 ALL");
        assertEquals(List.of("* SORT 2 1 3 4", "a3 OK SORT completed"), c.untilTagged("a3"));
        c.send("a4 THREAD ORDEREDSUBJECT UTF-8 ALL");
        assertEquals("a4 OK THREAD completed", c.untilTagged("a4").getLast());
        c.send("a5 THREAD REFERENCES UTF-8 ALL");
        assertEquals("a5 OK THREAD completed", c.untilTagged("a5").getLast());
    }
}
