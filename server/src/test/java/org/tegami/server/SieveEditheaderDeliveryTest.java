package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.Account;
import org.tegami.store.SieveScriptStore;
import org.tegami.store.Store;
import org.tegami.testkit.S3TestServer;
import org.tegami.testkit.TestPostgres;

/**
 * Sieve editheader (RFC 5293) reaches what is stored, over the wire: SMTP in on port 25, IMAP FETCH of the header
 * section and RFC822.SIZE out on 993. A deleteheader (one field, the 2nd occurrence with {@code :index}) or an
 * addheader a header prefix cannot hold (Subject, {@code :last}) makes the recipient's copy a blob of its own; other
 * recipients of the same message keep the shared one; Received stays whatever the script says (RFC 5293 §6); a
 * script past the editheader limits delivers the message unedited (RFC 5228 §2.10.6).
 */
class SieveEditheaderDeliveryTest {
    @TempDir
    Path dir;

    private static final String HEAD = "From: <sender@example.org>\r\nTo: <alice@example.test>\r\nSubject: quarterly figures\r\n"
            + "Message-ID: <figures.1@example.org>\r\nX-Note: first\r\nX-Spam-Flag: YES\r\nX-Note: second\r\n"
            + "X-Note: third\r\n";

    private static Account user(Store s, String address) {
        return s.accounts().addUser(EmailAddress.parse(address).orElseThrow(), new PasswordHasher().hash("pw".toCharArray()));
    }

    private static void script(Store s, Account a, String source) {
        assertEquals(SieveScriptStore.Result.OK, s.sieve().put(a.id(), "rules", source, SieveScriptStore.Quota.DEFAULTS));
        assertEquals(SieveScriptStore.Result.OK, s.sieve().setActive(a.id(), "rules"));
    }

    /** One SMTP transaction to several recipients; asserts every reply down to the final 250. */
    static void send(int port, List<String> rcpts, byte[] message) throws Exception {
        try (Wire w = Wire.plain(port)) {
            assertTrue(w.reply().startsWith("220 "));
            w.send("EHLO client.example.org");
            assertTrue(w.reply().startsWith("250 "));
            w.send("MAIL FROM:<sender@example.org>");
            assertEquals("250 2.1.0 Sender OK", w.reply());
            for (String r : rcpts) {
                w.send("RCPT TO:<" + r + ">");
                assertEquals("250 2.1.5 Recipient OK", w.reply());
            }
            w.send("DATA");
            assertTrue(w.reply().startsWith("354 "));
            w.write(message);
            w.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            String ok = w.reply();
            assertTrue(ok.startsWith("250 2.0.0"), ok);
            w.send("QUIT");
            assertTrue(w.reply().startsWith("221 "));
        }
    }

    /** What IMAP returns for message 1 of the user's INBOX: its RFC822.SIZE and its header section (BODY[HEADER]). */
    record Fetched(long size, String header) {}

    static Fetched fetch(int port, String user) throws Exception {
        try (Wire w = Wire.tls(port)) {
            assertTrue(w.line().startsWith("* OK"));
            assertTrue(w.command("a1 LOGIN " + user + " pw").startsWith("a1 OK"));
            assertEquals("a2 OK [READ-WRITE] SELECT completed", w.command("a2 SELECT INBOX"));
            w.send("a3 FETCH 1 RFC822.SIZE");
            String l = w.line();
            assertTrue(l.matches("\\* 1 FETCH \\(RFC822\\.SIZE \\d+\\)"), l);
            long size = Long.parseLong(l.substring("* 1 FETCH (RFC822.SIZE ".length(), l.length() - 1));
            assertEquals("a3 OK FETCH completed", w.line());
            w.send("a4 FETCH 1 BODY.PEEK[HEADER]");
            byte[] header = w.literal("* 1 FETCH (BODY[HEADER] {");
            assertEquals(")", w.line());
            assertEquals("a4 OK FETCH completed", w.line());
            w.command("a5 LOGOUT");
            return new Fetched(size, new String(header, StandardCharsets.UTF_8));
        }
    }

    /** The header's lines (CRLF split), the empty last one included. */
    private static List<String> lines(String header) {
        return new ArrayList<>(List.of(header.split("\r\n", -1)));
    }

    private TegamiServer start(String backend) throws Exception {
        Path cfg = TestConfigs.write(dir, Set.of("smtp", "imaps"), "[inbound]\nverify = false\n" + backend);
        TegamiServer s = TegamiServer.start(ConfigLoader.load(cfg), InstantSource.system());
        s.store().accounts().addDomain("example.test");
        return s;
    }

    @Test
    void eachRecipientGetsTheCopyTheirScriptEdited() throws Exception {
        try (TegamiServer s = start("")) {
            threeRecipients(s);
        }
    }

    /** The same over PostgreSQL metadata and S3 blobs. */
    @Test
    void editedCopiesOnPostgresqlAndS3() throws Exception {
        Assumptions.assumeTrue(TestPostgres.available(), TestPostgres.WHY_MISSING);
        TestPostgres.Database db = TestPostgres.get().newDatabase();
        S3TestServer s3 = S3TestServer.get();
        String backend = "[store]\nkind = \"postgresql\"\nurl = \"" + db.url() + "\"\nuser = \"" + db.user()
                + "\"\npassword = \"" + db.password() + "\"\n[blobs]\nkind = \"s3\"\nendpoint = \"" + s3.endpoint()
                + "\"\nbucket = \"" + s3.newBucket() + "\"\nregion = \"us-east-1\"\naccess_key = \"" + S3TestServer.ACCESS_KEY
                + "\"\nsecret_key = \"" + S3TestServer.SECRET_KEY + "\"\npath_style = true\n";
        try (TegamiServer s = start(backend)) {
            threeRecipients(s);
        }
    }

    /** A 5 MiB message: the edited copy is the edited header and the body, byte for byte, streamed into its blob. */
    @Test
    void aLargeMessageIsEditedWholeBodyIntact() throws Exception {
        try (TegamiServer s = start("")) {
            Store st = s.store();
            Account alice = user(st, "alice@example.test");
            script(st, alice, "require \"editheader\";\ndeleteheader \"X-Spam-Flag\";\naddheader :last \"X-Seen\" \"yes\";\n");
            StringBuilder text = new StringBuilder();
            for (int i = 0; text.length() < 5 * 1024 * 1024; i++) text.append(String.format("line %08d of the large message\r\n", i));
            byte[] body = text.toString().getBytes(StandardCharsets.US_ASCII);
            byte[] message = (HEAD + "\r\n" + text).getBytes(StandardCharsets.US_ASCII);
            send(s.port("smtp"), List.of("alice@example.test"), message);
            Fetched a = fetch(s.port("imaps"), "alice@example.test");
            assertTrue(a.header().endsWith(HEAD.replace("X-Spam-Flag: YES\r\n", "") + "X-Seen: yes\r\n\r\n"), a.header());
            assertEquals(a.header().length() + body.length, a.size());
            try (Wire w = Wire.tls(s.port("imaps"))) {
                assertTrue(w.line().startsWith("* OK"));
                assertTrue(w.command("a1 LOGIN alice@example.test pw").startsWith("a1 OK"));
                assertEquals("a2 OK [READ-ONLY] EXAMINE completed", w.command("a2 EXAMINE INBOX"));
                w.send("a3 FETCH 1 BODY.PEEK[TEXT]");
                org.junit.jupiter.api.Assertions.assertArrayEquals(body, w.literal("* 1 FETCH (BODY[TEXT] {"));
                assertEquals(")", w.line());
                assertEquals("a3 OK FETCH completed", w.line());
            }
        }
    }

    /**
     * Attacks on the limits (SieveLimits.headerEdits, the 2048-byte addheader value): the script stops with a runtime
     * error, the message is delivered unedited to the INBOX (RFC 5228 §2.10.6, RFC 5293 §7: the original header), and
     * the user gets one notice; nothing is lost.
     */
    @Test
    void scriptsPastTheEditLimitsDeliverTheMessageUnedited() throws Exception {
        try (TegamiServer s = start("")) {
            Store st = s.store();
            Account alice = user(st, "alice@example.test");
            Account bob = user(st, "bob@example.test");
            user(st, "carol@example.test");
            StringBuilder many = new StringBuilder("require \"editheader\";\n");
            for (int i = 0; i < 2000; i++) many.append("addheader \"X-F").append(i).append("\" \"v\";\n");
            script(st, alice, many.toString());
            script(st, bob, """
                    require ["editheader", "variables"];
                    set "v" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
                    set "v" "${v}${v}${v}${v}${v}${v}${v}${v}";
                    set "v" "${v}${v}${v}${v}${v}";
                    deleteheader "X-Spam-Flag";
                    addheader "X-Huge" "${v}";
                    """);
            byte[] message = (HEAD + "\r\nThe figures.\r\n").getBytes(StandardCharsets.US_ASCII);
            send(s.port("smtp"), List.of("alice@example.test", "bob@example.test", "carol@example.test"), message);
            Fetched carol = fetch(s.port("imaps"), "carol@example.test");
            for (Account victim : List.of(alice, bob)) {
                Fetched f = fetch(s.port("imaps"), victim.address().toString());
                assertEquals(carol, f, "delivered as received, unedited");
                var inbox = st.mail().mailbox(victim.id(), "INBOX").orElseThrow();
                assertEquals(2, st.mail().messages(inbox.id()).size(), "the message and one notice");
            }
        }
    }

    private void threeRecipients(TegamiServer s) throws Exception {
        Store st = s.store();
        Account alice = user(st, "alice@example.test");
        Account bob = user(st, "bob@example.test");
        user(st, "carol@example.test");
        // alice: one field gone, and the 2nd X-Note of three (RFC 5293 §5 :index); Received stays (RFC 5293 §6)
        script(st, alice, """
                require "editheader";
                deleteheader "X-Spam-Flag";
                deleteheader :index 2 "X-Note";
                deleteheader "Received";
                """);
        // bob: a new Subject at the top (a prefix may not hold one), one field at the bottom (:last), the old Subject gone
        script(st, bob, """
                require "editheader";
                deleteheader :is "Subject" "quarterly figures";
                addheader "Subject" "[figures] quarterly";
                addheader :last "X-Filed-By" "bob's rules";
                """);
        byte[] message = (HEAD + "\r\nThe figures.\r\n").getBytes(StandardCharsets.US_ASCII);
        send(s.port("smtp"), List.of("alice@example.test", "bob@example.test", "carol@example.test"), message);

        // carol has no script: the shared blob as received, our trace fields in front
        Fetched carol = fetch(s.port("imaps"), "carol@example.test");
        assertTrue(carol.header().endsWith(HEAD + "\r\n"), carol.header());
        assertTrue(carol.header().startsWith("Return-Path: <sender@example.org>\r\nReceived: from client.example.org"),
                carol.header());
        long body = "The figures.\r\n".length();
        assertEquals(carol.header().length() + body, carol.size());

        List<String> expectAlice = lines(carol.header());
        expectAlice.remove("X-Spam-Flag: YES");
        expectAlice.remove("X-Note: second");
        Fetched a = fetch(s.port("imaps"), "alice@example.test");
        assertEquals(expectAlice, lines(a.header()));
        assertEquals(String.join("\r\n", expectAlice), a.header());
        assertEquals(a.header().length() + body, a.size(), "the size is the edited copy's");

        List<String> expectBob = lines(carol.header());
        expectBob.remove("Subject: quarterly figures");
        expectBob.addFirst("Subject: [figures] quarterly");
        expectBob.add(expectBob.size() - 2, "X-Filed-By: bob's rules"); // RFC 5293 §4 :last: after the last field
        Fetched b = fetch(s.port("imaps"), "bob@example.test");
        assertEquals(expectBob, lines(b.header()));
        assertEquals(b.header().length() + body, b.size());

        // three messages, two edited copies: the shared blob and two of their own
        var blobs = new java.util.HashSet<>();
        for (Account acc : List.of(alice, bob, st.accounts().user(EmailAddress.parse("carol@example.test").orElseThrow()).orElseThrow())) {
            var inbox = st.mail().mailbox(acc.id(), "INBOX").orElseThrow();
            blobs.add(st.mail().messages(inbox.id()).getFirst().blob());
        }
        assertEquals(3, blobs.size());
    }
}
