package org.tegami.imap.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.imap.proto.ImapLimits;
import org.tegami.imap.proto.MailboxName;
import org.tegami.testkit.TestTls;

/**
 * Attacks by an ordinary logged-in user on the server's memory, disk and CPU, over real TLS connections: each input
 * that would make the server store or compute without bound meets a named limit (mailboxes and sessions per account,
 * LIST patterns, search criteria, keywords, METADATA), and SEARCH strings are matched in time linear in the message.
 * A command that would hang the server fails here on the 5 s read timeout. Literal sizes, mailbox name lengths and
 * LIST matching are {@link ImapAttackTest}'s and the {@code mailbox-name-limits} transcript's.
 */
class ImapAbuseTest {
    @TempDir
    Path tmp;
    private ImapTestServer server;
    private final List<Client> clients = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (Client c : clients) c.socket.close();
        if (server != null) server.close();
    }

    private Client alice(ImapLimits limits) throws IOException {
        server = new ImapTestServer(Files.createDirectory(tmp.resolve("data")), tmp.resolve("tls"),
                ImapEnvironment.PROGRESS_INTERVAL, limits);
        Client c = new Client(server.port("imaps"));
        clients.add(c);
        c.line();
        assertTrue(c.command("a LOGIN alice@example.test alice-password").startsWith("a OK "));
        return c;
    }

    private Client alice() throws IOException {
        return alice(ImapLimits.DEFAULTS);
    }

    private int mailboxes() {
        return server.store().mail().mailboxes(server.account(ImapTestServer.ALICE).id()).size();
    }

    /** A raw IMAP client: sends lines, collects untagged responses, returns the tagged one. */
    private static final class Client {
        final SSLSocket socket;
        final InputStream in;
        final OutputStream out;
        final List<String> untagged = new ArrayList<>();

        Client(int port) throws IOException {
            socket = (SSLSocket) TestTls.trustAllClientContext().getSocketFactory().createSocket("127.0.0.1", port);
            socket.setSoTimeout(5_000);
            in = new BufferedInputStream(socket.getInputStream());
            out = new BufferedOutputStream(socket.getOutputStream());
        }

        String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) throw new EOFException("server closed the connection");
                if (c != '\r') b.write(c);
            }
            return b.toString(StandardCharsets.UTF_8);
        }

        void send(String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** Sends a command line and returns the tagged response; the untagged ones are kept in {@link #untagged}. */
        String command(String line) throws IOException {
            send(line + "\r\n");
            return response(line.substring(0, line.indexOf(' ')));
        }

        String response(String tag) throws IOException {
            untagged.clear();
            String l;
            while (!(l = line()).startsWith(tag + " ")) untagged.add(l);
            return l;
        }
    }

    // --- mailboxes: name length, hierarchy depth, number per account ----------------------------------------

    @Test
    void renameCannotPushAChildBeyondTheLimits() throws IOException {
        Client c = alice();
        assertTrue(c.command("b CREATE p/child").startsWith("b OK "));
        // p is short, but p/child renamed below a 1023-octet name would be 1029 octets, one level too deep below a
        // 32-level one: the limits hold for every name RENAME makes, not only the one it was given
        String level = "y".repeat(MailboxName.MAX_LEVEL_OCTETS);
        String longer = level + "/" + level + "/" + level + "/" + level;
        assertEquals("c NO [LIMIT] A mailbox name is at most " + MailboxName.MAX_OCTETS + " octets",
                c.command("c RENAME p " + longer));
        String deeper = "d/".repeat(MailboxName.MAX_DEPTH - 1) + "p";
        assertEquals("d NO [LIMIT] Mailbox names are at most " + MailboxName.MAX_DEPTH + " levels deep",
                c.command("d RENAME p " + deeper));
        assertTrue(server.store().mail().mailbox(server.account(ImapTestServer.ALICE).id(), "p/child").isPresent());
        String fits = longer.substring(0, longer.length() - 5); // 1018 octets: p/child becomes 1024
        assertTrue(c.command("e RENAME p " + fits).startsWith("e OK "));
        assertTrue(server.store().mail().mailbox(server.account(ImapTestServer.ALICE).id(), fits + "/child").isPresent());
    }

    @Test
    void theNumberOfMailboxesPerAccountIsCapped() throws IOException {
        Client c = alice(ImapLimits.DEFAULTS.withMailboxes(10));
        int n = mailboxes();
        for (int i = n; i < 10; i++) assertTrue(c.command("b" + i + " CREATE m" + i).startsWith("b" + i + " OK "));
        assertEquals("c NO [LIMIT] At most 10 mailboxes per account", c.command("c CREATE one-more"));
        assertTrue(c.command("d DELETE m" + n).startsWith("d OK "));
        // 9 now: a CREATE that needs a new parent too would make 11, so it creates neither
        assertTrue(c.command("e CREATE new/child").startsWith("e NO [LIMIT] "));
        assertEquals(9, mailboxes());
        // RENAME creates missing parents as well
        assertTrue(c.command("f RENAME m" + (n + 1) + " q/r/s").startsWith("f NO [LIMIT] "));
        assertTrue(c.command("g RENAME m" + (n + 1) + " q/r").startsWith("g OK "));
        assertEquals(10, mailboxes());
        // renaming INBOX keeps INBOX and makes a new mailbox (RFC 9051 §6.3.6): no room for it
        assertTrue(c.command("h RENAME INBOX Old").startsWith("h NO [LIMIT] "));
        assertEquals(10, mailboxes());
        // a shared parent's owner pays for what another user creates below it, so the owner's limit applies
        assertTrue(c.command("i SETACL q bob@example.test lk").startsWith("i OK "));
        Client bob = connect();
        assertTrue(bob.command("j LOGIN bob@example.test bob-password").startsWith("j OK "));
        assertTrue(bob.command("k CREATE \"Other Users/alice@example.test/q/x\"").startsWith("k NO [LIMIT] "));
        assertEquals(10, mailboxes());
    }

    // --- sessions per account ---------------------------------------------------------------------------------

    private Client connect() throws IOException {
        Client c = new Client(server.port("imaps"));
        clients.add(c);
        c.line();
        return c;
    }

    @Test
    void theNumberOfSessionsPerAccountIsCapped() throws IOException {
        Client first = alice(ImapLimits.DEFAULTS.withSessions(2));
        Client second = connect();
        assertTrue(second.command("b LOGIN alice@example.test alice-password").startsWith("b OK "));
        // each session holds the selected mailbox's view: without a cap one user's connections fill the heap
        Client third = connect();
        assertEquals("c NO [LIMIT] Too many IMAP sessions for this account, log out of another one first",
                third.command("c LOGIN alice@example.test alice-password"));
        assertEquals("d NO [LIMIT] Too many IMAP sessions for this account, log out of another one first",
                third.command("d AUTHENTICATE PLAIN " + java.util.Base64.getEncoder().encodeToString(
                        "\0alice@example.test\0alice-password".getBytes(StandardCharsets.UTF_8))));
        assertTrue(third.command("e LOGIN bob@example.test bob-password").startsWith("e OK "), "another account");
        // a session counts until it logs out, unauthenticates, or its connection ends
        assertTrue(first.command("f LOGOUT").startsWith("f OK "));
        Client fourth = connect();
        assertTrue(fourth.command("g LOGIN alice@example.test alice-password").startsWith("g OK "));
        assertTrue(fourth.command("h UNAUTHENTICATE").startsWith("h OK "));
        assertTrue(third.command("i UNAUTHENTICATE").startsWith("i OK "));
        assertTrue(third.command("j LOGIN alice@example.test alice-password").startsWith("j OK "));
        second.socket.close();
        String last = "";
        for (int i = 0; i < 50 && !last.startsWith("k OK "); i++) { // the server notices the closed connection
            last = fourth.command("k LOGIN alice@example.test alice-password");
            if (!last.startsWith("k OK ")) sleep(100);
        }
        assertTrue(last.startsWith("k OK "), last);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --- METADATA -----------------------------------------------------------------------------------------------

    @Test
    void theMetadataOfAnAccountIsCappedInAll() throws IOException {
        Client c = alice();
        // 100 entries of 64 KiB per mailbox, on 10,000 mailboxes, used to be 64 GB outside any quota
        String value = "v".repeat(MetadataCommands.MAX_VALUE);
        int stored = 0;
        String last = "";
        while (stored <= 100) { // the cap is reached after 15
            assertTrue(c.command("b CREATE m" + stored).startsWith("b OK "));
            c.send("c SETMETADATA m" + stored + " (/private/comment {" + value.length() + "+}\r\n" + value + ")\r\n");
            last = c.response("c");
            if (!last.startsWith("c OK ")) break;
            stored++;
        }
        assertEquals("c NO [METADATA TOOMANY] At most " + MetadataCommands.MAX_ACCOUNT_OCTETS
                + " octets of entries per account", last);
        assertEquals(MetadataCommands.MAX_ACCOUNT_OCTETS / (MetadataCommands.MAX_VALUE + "/private/comment".length()), stored);
        // a smaller value still fits, and removing an entry makes room again
        assertTrue(c.command("d SETMETADATA \"\" (/private/vendor/x \"small\")").startsWith("d OK "));
        assertTrue(c.command("e SETMETADATA m0 (/private/comment NIL)").startsWith("e OK "));
        c.send("f SETMETADATA m" + stored + " (/private/comment {" + value.length() + "+}\r\n" + value + ")\r\n");
        assertTrue(c.response("f").startsWith("f OK "));
    }

    // --- keywords -----------------------------------------------------------------------------------------------

    private static String keywords(int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++) sb.append(sb.isEmpty() ? "" : " ").append("k").append(i);
        return sb.toString();
    }

    @Test
    void keywordsAreBoundedInLengthAndInNumberPerMailbox() throws IOException {
        Client c = alice();
        assertTrue(c.command("b SELECT INBOX").startsWith("b OK "));
        // every SELECT sends every keyword in use in one FLAGS line, and none counted against a quota
        String tooLong = "k".repeat(ImapLimits.KEYWORD + 1);
        assertEquals("c NO [LIMIT] Keywords are at most " + ImapLimits.KEYWORD + " characters",
                c.command("c STORE 1 +FLAGS (" + tooLong + ")"));
        assertTrue(c.command("d STORE 1 +FLAGS (" + "k".repeat(ImapLimits.KEYWORD) + ")").startsWith("d OK "));
        int max = ImapLimits.MAILBOX_KEYWORDS;
        assertTrue(c.command("e STORE 2 +FLAGS (" + keywords(1, max) + ")").startsWith("e OK "));
        assertEquals("f NO [LIMIT] At most " + max + " keywords in one mailbox",
                c.command("f STORE 3 FLAGS (\\Seen new)"));
        assertTrue(c.command("g STORE 3 +FLAGS (k1 \\Flagged)").startsWith("g OK "), "keywords in use are fine");
        assertTrue(c.command("h STORE 2 -FLAGS (k1)").startsWith("h OK "), "and removing is");
        assertTrue(c.command("i FETCH 1:3 FLAGS").startsWith("i OK "));
        // APPEND sets what it can and drops the rest (RFC 9051 §6.3.12: the flags SHOULD be set)
        String msg = "Subject: x\r\n\r\nx\r\n";
        c.send("j APPEND INBOX (\\Seen k2 " + tooLong + " another) {" + msg.length() + "+}\r\n" + msg + "\r\n");
        assertTrue(c.response("j").startsWith("j OK "));
        assertTrue(c.command("k FETCH 4 FLAGS").startsWith("k OK "));
        // RFC 3501 §2.3.2: this (IMAP4rev1) session saw the new message first, so it is \Recent here
        assertTrue(c.untagged.contains("* 4 FETCH (FLAGS (\\Seen \\Recent k2))"), c.untagged.toString());
        assertTrue(c.command("l CREATE Other").startsWith("l OK "));
        c.send("m APPEND Other (" + keywords(0, max + 10) + ") {" + msg.length() + "+}\r\n" + msg + "\r\n");
        assertTrue(c.response("m").startsWith("m OK "));
        assertTrue(c.command("n EXAMINE Other").startsWith("n OK "));
        String flags = c.untagged.stream().filter(l -> l.startsWith("* FLAGS ")).findFirst().orElseThrow();
        assertTrue(flags.startsWith("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft "), flags);
        assertEquals(new java.util.TreeSet<>(List.of(keywords(0, max).split(" "))), new java.util.TreeSet<>(
                List.of(flags.substring(flags.indexOf("\\Draft ") + 7, flags.length() - 1).split(" "))),
                "the first " + max + " as given");
        // COPY and MOVE bring their keywords along only as far as the target's budget goes (RFC 9051 §6.4.7: SHOULD)
        assertTrue(c.command("o SELECT INBOX").startsWith("o OK "));
        assertTrue(c.command("p COPY 1:4 Other").startsWith("p OK "));
        assertTrue(c.command("q MOVE 3 Other").startsWith("q OK "));
        assertTrue(c.command("r EXAMINE Other").startsWith("r OK "));
        String after = c.untagged.stream().filter(l -> l.startsWith("* FLAGS ")).findFirst().orElseThrow();
        assertEquals(flags, after, "no keyword beyond the " + max + " already in use");
        assertTrue(c.command("s FETCH 2 FLAGS").startsWith("s OK "));
        // \Recent: no session has had Other selected since the copies arrived, and EXAMINE does not claim them
        assertEquals(List.of("* 2 FETCH (FLAGS (\\Recent))"), c.untagged, "the copy of message 1 without its long keyword");
    }

    // --- LIST patterns ----------------------------------------------------------------------------------------

    @Test
    void listPatternsAreCappedInLengthAndWildcards() throws IOException {
        Client c = alice();
        String deep = "a/".repeat(15) + "b";
        assertTrue(c.command("b CREATE " + deep).startsWith("b OK "));
        // the matcher is linear, but each pattern is matched against each name: what one LIST asks for is bounded
        String tooLong = "a".repeat(ImapLimits.LIST_PATTERN + 1);
        assertEquals("c NO [LIMIT] LIST patterns are at most " + ImapLimits.LIST_PATTERN + " characters",
                c.command("c LIST \"\" " + tooLong));
        // summed over LIST-EXTENDED's patterns, the reference counted with each
        String half = "a".repeat(ImapLimits.LIST_PATTERN / 2);
        assertTrue(c.command("d LIST x (" + half + " " + half + ")").startsWith("d NO [LIMIT] "));
        String wild = "%a".repeat(ImapLimits.LIST_WILDCARDS) + "*";
        assertEquals("e NO [LIMIT] LIST patterns have at most " + ImapLimits.LIST_WILDCARDS + " wildcards",
                c.command("e LIST (SUBSCRIBED) \"\" (% \"" + wild + "\")"));
        assertTrue(c.command("f LSUB \"\" \"" + wild + "\"").startsWith("f NO [LIMIT] "));
        // at the limit, LIST works
        String sixteen = "%/".repeat(ImapLimits.LIST_WILDCARDS - 1) + "*";
        assertEquals("g OK LIST completed", c.command("g LIST \"\" \"" + sixteen + "\""));
        assertEquals(List.of("* LIST (\\HasNoChildren) \"/\" " + deep), c.untagged);
    }

    // --- SEARCH strings ---------------------------------------------------------------------------------------

    @Test
    void searchForALongStringIsLinearInTheMessage() throws IOException {
        Client c = alice();
        String body = "a".repeat(700_000);
        String msg = "Subject: " + "a".repeat(200_000) + "\r\n\r\n" + body + "\r\n";
        c.send("b APPEND INBOX {" + msg.length() + "+}\r\n" + msg + "\r\n");
        assertTrue(c.response("b").startsWith("b OK "));
        assertTrue(c.command("c SELECT INBOX").startsWith("c OK "));
        // String.contains compares each of the 700,000 positions up to the 30,000th character: minutes of CPU
        String miss = "a".repeat(30_000) + "b";
        for (String key : List.of("BODY", "TEXT", "SUBJECT")) {
            assertEquals("d OK SEARCH completed", c.command("d SEARCH " + key + " " + miss), key);
            assertEquals(List.of("* SEARCH"), c.untagged, key);
        }
        assertEquals("e OK SEARCH completed", c.command("e SEARCH BODY " + "A".repeat(30_000)));
        assertEquals(List.of("* SEARCH 4"), c.untagged);
        assertEquals("f OK SEARCH completed", c.command("f SEARCH SUBJECT " + "a".repeat(5_000)));
        assertEquals(List.of("* SEARCH 4"), c.untagged);
    }

    @Test
    void theCriteriaOfOneSearchAreCapped() throws IOException {
        Client c = alice();
        assertTrue(c.command("b SELECT INBOX").startsWith("b OK "));
        // each text criterion reads every message's text once more: 8,000 fit in one 64 KB line
        String text = " BODY pizza".repeat(SearchCommands.TEXT_CRITERIA);
        assertEquals("c OK SEARCH completed", c.command("c SEARCH" + text));
        assertEquals(List.of("* SEARCH 1"), c.untagged);
        assertEquals("d NO [LIMIT] At most " + SearchCommands.TEXT_CRITERIA + " BODY, TEXT, HEADER and address or SUBJECT"
                + " criteria in one search", c.command("d UID SEARCH OR SUBJECT x" + text));
        assertTrue(c.command("e SORT (DATE) UTF-8 NOT FROM x" + text).startsWith("e NO [LIMIT] "));
        assertTrue(c.command("f ESEARCH IN (personal) TO x" + text).startsWith("f NO [LIMIT] "));
        // and every sequence set is a bit set as large as the mailbox: 16,000 of them fit in one line
        String sets = " 1:*".repeat(SearchCommands.CRITERIA);
        assertEquals("g OK SEARCH completed", c.command("g SEARCH" + sets));
        assertEquals("h NO [LIMIT] At most " + SearchCommands.CRITERIA + " criteria in one search",
                c.command("h SEARCH NOT 1" + sets));
        assertEquals("i OK NOOP completed", c.command("i NOOP"));
    }
}
