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
        Wire.smtp(port, "sender@example.org", rcpts, message);
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

    /**
     * A receiving MX for the remote redirect target: speaks just enough SMTP, keeps each message's envelope and DATA
     * bytes exactly as received (dot-unstuffed), and answers DATA with {@code dataReply} (a 451 holds the copy in the
     * sender's queue).
     */
    static final class Mx implements AutoCloseable {
        record Got(String mailFrom, List<String> rcptTo, byte[] data) {}

        final java.net.ServerSocket socket;
        final java.util.concurrent.BlockingQueue<Got> got = new java.util.concurrent.LinkedBlockingQueue<>();
        volatile String dataReply = "250 2.0.0 OK";
        final java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();

        Mx() throws java.io.IOException {
            socket = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"));
            Thread.ofVirtual().start(() -> {
                while (!socket.isClosed()) {
                    try {
                        java.net.Socket c = socket.accept();
                        Thread.ofVirtual().start(() -> session(c));
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return socket.getLocalPort();
        }

        private void session(java.net.Socket c) {
            try (c) {
                var in = new java.io.BufferedInputStream(c.getInputStream());
                var out = c.getOutputStream();
                out.write("220 mx.remote.test ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
                String from = null;
                List<String> to = new ArrayList<>();
                while (true) {
                    String l = readLine(in);
                    if (l == null) return;
                    String u = l.toUpperCase(java.util.Locale.ROOT);
                    String reply;
                    if (u.startsWith("EHLO") || u.startsWith("HELO")) {
                        reply = "250 mx.remote.test";
                    } else if (u.startsWith("MAIL FROM:")) {
                        from = l.substring(10).replaceAll("^<|>.*$", "");
                        to.clear();
                        reply = "250 2.1.0 OK";
                    } else if (u.startsWith("RCPT TO:")) {
                        to.add(l.substring(8).replaceAll("^<|>.*$", ""));
                        reply = "250 2.1.5 OK";
                    } else if (u.equals("DATA")) {
                        out.write("354 go ahead\r\n".getBytes(StandardCharsets.US_ASCII));
                        java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
                        while (true) {
                            String d = readLine(in);
                            if (d == null) return;
                            if (d.equals(".")) break;
                            data.writeBytes((d.startsWith(".") ? d.substring(1) : d).getBytes(StandardCharsets.ISO_8859_1));
                            data.writeBytes(new byte[] {'\r', '\n'});
                        }
                        attempts.incrementAndGet();
                        reply = dataReply;
                        if (reply.startsWith("250")) got.add(new Got(from, List.copyOf(to), data.toByteArray()));
                    } else if (u.equals("QUIT")) {
                        out.write("221 2.0.0 bye\r\n".getBytes(StandardCharsets.US_ASCII));
                        return;
                    } else {
                        reply = "250 2.0.0 OK"; // RSET, NOOP
                    }
                    out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }
            } catch (java.io.IOException e) {
                // the client went away
            }
        }

        /** One line without its CRLF, bytes as ISO-8859-1 chars; null at the end. */
        private static String readLine(java.io.InputStream in) throws java.io.IOException {
            java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0) {
                if (c == '\n') {
                    byte[] l = b.toByteArray();
                    int n = l.length > 0 && l[l.length - 1] == '\r' ? l.length - 1 : l.length;
                    return new String(l, 0, n, StandardCharsets.ISO_8859_1);
                }
                b.write(c);
            }
            return null;
        }

        @Override
        public void close() throws java.io.IOException {
            socket.close();
        }
    }

    /** A server that verifies inbound mail (Authentication-Results is a stage's line) and sends remote mail to {@code mx}. */
    private TegamiServer startWithMx(org.tegami.testkit.TestDnsServer dns, Mx mx) throws Exception {
        return startWithMx(dns, mx, "");
    }

    private TegamiServer startWithMx(org.tegami.testkit.TestDnsServer dns, Mx mx, String backend) throws Exception {
        dns.add("remote.test. 300 IN MX 10 mx.remote.test.").add("mx.remote.test. 300 IN A 127.0.0.1");
        Path cfg = TestConfigs.write(dir, Set.of("smtp", "imaps"), "[dns]\nnameservers = [\"127.0.0.1:"
                + dns.address().getPort() + "\"]\n[outbound]\nmx_port = " + mx.port() + "\n" + backend);
        TegamiServer s = TegamiServer.start(ConfigLoader.load(cfg), InstantSource.system());
        s.store().accounts().addDomain("example.test");
        var key = new org.tegami.mailauth.dkim.DkimKeys(s.config().dataDir()).generate("example.test").stream()
                .filter(k -> k.algorithm() == org.tegami.mailauth.dkim.DkimKey.Algorithm.RSA).findFirst().orElseThrow();
        arcKey = key;
        return s;
    }

    private org.tegami.mailauth.dkim.DkimKey arcKey;

    /** RFC 8617 §5.2 over the bytes the MX received: the seal and the message signature verify with our key. */
    private org.tegami.mailauth.arc.ArcVerdict arc(byte[] received) throws Exception {
        var key = arcKey;
        org.tegami.mailauth.dns.Dns keys = new org.tegami.mailauth.dns.Dns() {
            @Override
            public org.tegami.mailauth.dns.DnsAnswer<String> txt(String name) {
                return name.equalsIgnoreCase(key.dnsName()) || name.equalsIgnoreCase(key.dnsName() + ".")
                        ? new org.tegami.mailauth.dns.DnsAnswer.Records<>(List.of(key.dnsRecord()))
                        : new org.tegami.mailauth.dns.DnsAnswer.Void<>(true);
            }

            @Override
            public org.tegami.mailauth.dns.DnsAnswer<java.net.InetAddress> a(String name) {
                return new org.tegami.mailauth.dns.DnsAnswer.Void<>(true);
            }

            @Override
            public org.tegami.mailauth.dns.DnsAnswer<java.net.InetAddress> aaaa(String name) {
                return new org.tegami.mailauth.dns.DnsAnswer.Void<>(true);
            }

            @Override
            public org.tegami.mailauth.dns.DnsAnswer<Mx> mx(String name) {
                return new org.tegami.mailauth.dns.DnsAnswer.Void<>(true);
            }

            @Override
            public org.tegami.mailauth.dns.DnsAnswer<String> ptr(java.net.InetAddress address) {
                return new org.tegami.mailauth.dns.DnsAnswer.Void<>(true);
            }
        };
        return new org.tegami.mailauth.arc.ArcVerifier(keys, InstantSource.system())
                .verify(new java.io.ByteArrayInputStream(received));
    }

    /** The header's fields, each with its folds and its CRLF; the empty line that ends the header last. */
    private static List<String> fields(String header) {
        return new ArrayList<>(List.of(header.split("(?<=\r\n)(?![ \t])")));
    }

    /** What IMAP returns for message 1 of {@code mailbox}: its header section, exactly. */
    static String header(int port, String user, String mailbox) throws Exception {
        try (Wire w = Wire.tls(port)) {
            assertTrue(w.line().startsWith("* OK"));
            assertTrue(w.command("a1 LOGIN " + user + " pw").startsWith("a1 OK"));
            assertEquals("a2 OK [READ-ONLY] EXAMINE completed", w.command("a2 EXAMINE " + mailbox));
            w.send("a3 FETCH 1 BODY.PEEK[HEADER]");
            byte[] header = w.literal("* 1 FETCH (BODY[HEADER] {");
            assertEquals(")", w.line());
            assertEquals("a3 OK FETCH completed", w.line());
            w.command("a4 LOGOUT");
            return new String(header, StandardCharsets.UTF_8);
        }
    }

    private static void await(String what, java.util.function.BooleanSupplier done) throws Exception {
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > until) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(50);
        }
    }

    /**
     * RFC 5293 §7 over the wire: each action stores or sends the message with the header as it was when the action
     * ran. A fileinto after an addheader at the top stores the field as a prefix line; a remote redirect after a
     * deleteheader sends that state (without our Authentication-Results and Return-Path lines, which are for local
     * copies) to a real MX, SRS-rewritten and ARC-sealed over exactly the bytes sent, body untouched; a fileinto with
     * the same state shares its blob; the keep after more edits stores the last state.
     */
    @Test
    void eachActionStoresOrSendsTheHeaderAsItWasWhenItRan() throws Exception {
        try (var dns = new org.tegami.testkit.TestDnsServer(); Mx mx = new Mx(); TegamiServer s = startWithMx(dns, mx)) {
            Store st = s.store();
            Account alice = user(st, "alice@example.test");
            user(st, "carol@example.test");
            script(st, alice, """
                    require ["editheader", "fileinto", "mailbox", "copy"];
                    addheader "X-Stage" "one";
                    fileinto :create "One";
                    deleteheader "X-Spam-Flag";
                    redirect :copy "far@remote.test";
                    fileinto :create "Two";
                    deleteheader :index 1 "X-Note";
                    deleteheader "Subject";
                    addheader "Subject" "[edited] quarterly figures";
                    keep;
                    """);
            String body = "The figures.\r\n.leading dot\r\n";
            byte[] message = (HEAD + "\r\n" + body.replace("\r\n.", "\r\n..")).getBytes(StandardCharsets.US_ASCII);
            send(s.port("smtp"), List.of("alice@example.test", "carol@example.test"), message);

            // carol has no script: the shared blob with the stages' line (Authentication-Results) in front
            List<String> carol = fields(header(s.port("imaps"), "carol@example.test", "INBOX"));
            assertTrue(carol.get(0).startsWith("Authentication-Results: mail.example.test;"), carol.toString());
            assertEquals("Return-Path: <sender@example.org>\r\n", carol.get(1));
            assertTrue(carol.get(2).startsWith("Received: from client.example.org"), carol.toString());
            assertEquals(fields(HEAD + "\r\n"), carol.subList(3, carol.size()));

            List<String> one = new ArrayList<>(carol);
            one.addFirst("X-Stage: one\r\n");
            assertEquals(one, fields(header(s.port("imaps"), "alice@example.test", "One")));
            List<String> two = new ArrayList<>(one);
            two.remove("X-Spam-Flag: YES\r\n");
            assertEquals(two, fields(header(s.port("imaps"), "alice@example.test", "Two")));
            List<String> inbox = new ArrayList<>(two);
            inbox.remove("X-Note: first\r\n");
            inbox.remove("Subject: quarterly figures\r\n");
            inbox.addFirst("Subject: [edited] quarterly figures\r\n");
            assertEquals(inbox, fields(header(s.port("imaps"), "alice@example.test", "INBOX")));

            // the MX gets the redirect's state: the ARC set and Delivered-To in front, then the edited header, then the body
            Mx.Got got = mx.got.poll(60, java.util.concurrent.TimeUnit.SECONDS);
            org.junit.jupiter.api.Assertions.assertNotNull(got, "the redirected copy reached the MX");
            assertEquals(List.of("far@remote.test"), got.rcptTo());
            assertTrue(got.mailFrom().matches("SRS0=[A-Z2-7]{6}=[A-Z2-7]{2}=example\\.org=sender@example\\.test"), got.mailFrom());
            String data = new String(got.data(), StandardCharsets.ISO_8859_1);
            List<String> sent = new ArrayList<>(two);
            sent.remove(carol.get(1)); // Return-Path, ours
            sent.remove(carol.get(0)); // Authentication-Results, a stage's line for local copies
            String expected = "Delivered-To: alice@example.test\r\n" + String.join("", sent) + body;
            assertTrue(data.startsWith("ARC-Seal: i=1; a=rsa-sha256; t="), data);
            assertTrue(data.endsWith(expected), data);
            String arcSet = data.substring(0, data.length() - expected.length());
            assertEquals(3, arcSet.split("\r\n(?![ \t])").length, "ARC-Seal, ARC-Message-Signature, ARC-Authentication-Results: " + arcSet);
            assertTrue(arcSet.contains("\r\nARC-Message-Signature: i=1;") && arcSet.contains("\r\nARC-Authentication-Results: i=1;"), arcSet);
            var verdict = arc(got.data());
            assertEquals(org.tegami.mailauth.arc.ArcResult.PASS, verdict.result(), verdict.reason());

            // the shared blob (carol, One), one own blob for Two and one for INBOX; the redirect's was the queue entry's
            var blobs = new java.util.HashMap<String, org.tegami.store.BlobId>();
            for (String box : List.of("One", "Two", "INBOX")) {
                var mb = st.mail().mailbox(alice.id(), box).orElseThrow();
                blobs.put(box, st.mail().messages(mb.id()).getFirst().blob());
            }
            assertEquals(3, new java.util.HashSet<>(blobs.values()).size(), blobs.toString());
            await("the queue entry is done", () -> st.queue().list().isEmpty());
        }
    }

    /**
     * The queue entry of a redirect names its own blob: while the MX defers it, the collector keeps that blob (and the
     * retry sends the same bytes); once the entry is delivered, the blob is collected.
     */
    @Test
    void theCollectorKeepsARedirectsOwnBlobUntilItsQueueEntryIsDone() throws Exception {
        collectorKeepsTheQueuedBlob("");
    }

    /** The same on PostgreSQL metadata and S3 blobs (the queue row names the blob; collection across nodes). */
    @Test
    void theCollectorKeepsARedirectsOwnBlobOnPostgresqlAndS3() throws Exception {
        Assumptions.assumeTrue(TestPostgres.available(), TestPostgres.WHY_MISSING);
        TestPostgres.Database db = TestPostgres.get().newDatabase();
        S3TestServer s3 = S3TestServer.get();
        collectorKeepsTheQueuedBlob("[store]\nkind = \"postgresql\"\nurl = \"" + db.url() + "\"\nuser = \"" + db.user()
                + "\"\npassword = \"" + db.password() + "\"\n[blobs]\nkind = \"s3\"\nendpoint = \"" + s3.endpoint()
                + "\"\nbucket = \"" + s3.newBucket() + "\"\nregion = \"us-east-1\"\naccess_key = \"" + S3TestServer.ACCESS_KEY
                + "\"\nsecret_key = \"" + S3TestServer.SECRET_KEY + "\"\npath_style = true\n");
    }

    private void collectorKeepsTheQueuedBlob(String backend) throws Exception {
        try (var dns = new org.tegami.testkit.TestDnsServer(); Mx mx = new Mx(); TegamiServer s = startWithMx(dns, mx, backend)) {
            Store st = s.store();
            Account alice = user(st, "alice@example.test");
            script(st, alice, """
                    require ["editheader"];
                    deleteheader "X-Spam-Flag";
                    redirect "far@remote.test";
                    """);
            mx.dataReply = "451 4.3.0 try again later";
            byte[] message = (HEAD + "\r\nThe figures.\r\n").getBytes(StandardCharsets.US_ASCII);
            send(s.port("smtp"), List.of("alice@example.test"), message);
            await("a deferred attempt", () -> mx.attempts.get() >= 1);
            var entries = st.queue().list();
            assertEquals(1, entries.size());
            org.tegami.store.BlobId own = entries.getFirst().blob();
            var inbox = st.mail().mailbox(alice.id(), "INBOX").orElseThrow();
            assertTrue(st.mail().messages(inbox.id()).isEmpty(), "redirected only: nothing stored");
            st.blobs().collect();
            st.blobs().collect();
            assertTrue(st.blobs().exists(own), "the deferred entry's own blob is kept");
            try (var in = st.blobs().open(own)) {
                String b = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
                assertTrue(b.startsWith("Received: from client.example.org"), b);
                assertTrue(b.endsWith(HEAD.replace("X-Spam-Flag: YES\r\n", "") + "\r\nThe figures.\r\n"), b);
            }
            mx.dataReply = "250 2.0.0 OK";
            st.queue().flush(java.time.Instant.now());
            Mx.Got got = mx.got.poll(60, java.util.concurrent.TimeUnit.SECONDS);
            org.junit.jupiter.api.Assertions.assertNotNull(got, "the retry reached the MX");
            assertTrue(new String(got.data(), StandardCharsets.US_ASCII).endsWith(HEAD.replace("X-Spam-Flag: YES\r\n", "")
                    + "\r\nThe figures.\r\n"));
            await("the queue entry is done", () -> st.queue().list().isEmpty());
            st.blobs().collect();
            st.blobs().collect();
            assertTrue(!st.blobs().exists(own), "collected once no entry names it");
        }
    }

    /**
     * The attack on the copies: a fileinto after each of many edits would store one blob the size of the message per
     * mailbox. Past UserRulesStage.MAX_REWRITTEN (4) different rewritten states, every copy gets the last state, one
     * blob; at the bound, each state keeps its own.
     */
    @Test
    void manyEditStatesDoNotMultiplyBlobs() throws Exception {
        try (TegamiServer s = start("")) {
            Store st = s.store();
            Account alice = user(st, "alice@example.test");
            Account bob = user(st, "bob@example.test");
            StringBuilder many = new StringBuilder("require [\"editheader\", \"fileinto\", \"mailbox\"];\n");
            for (int i = 1; i <= 20; i++) {
                many.append("addheader :last \"X-Step\" \"").append(i).append("\";\nfileinto :create \"M").append(i).append("\";\n");
            }
            script(st, alice, many.toString());
            StringBuilder four = new StringBuilder("require [\"editheader\", \"fileinto\", \"mailbox\"];\n");
            for (int i = 1; i <= 4; i++) {
                four.append("addheader :last \"X-Step\" \"").append(i).append("\";\nfileinto :create \"M").append(i).append("\";\n");
            }
            script(st, bob, four.toString());
            StringBuilder big = new StringBuilder();
            while (big.length() < 256 * 1024) big.append("a line of the body that every copy would repeat\r\n");
            byte[] message = (HEAD + "\r\n" + big).getBytes(StandardCharsets.US_ASCII);
            send(s.port("smtp"), List.of("alice@example.test", "bob@example.test"), message);

            StringBuilder steps = new StringBuilder();
            for (int i = 1; i <= 20; i++) steps.append("X-Step: ").append(i).append("\r\n");
            var blobs = new java.util.HashSet<org.tegami.store.BlobId>();
            for (int i = 1; i <= 20; i++) {
                var mb = st.mail().mailbox(alice.id(), "M" + i).orElseThrow();
                blobs.add(st.mail().messages(mb.id()).getFirst().blob());
                String h = header(s.port("imaps"), "alice@example.test", "M" + i);
                assertTrue(h.endsWith(HEAD + steps + "\r\n"), "the last state in M" + i + ": " + h);
            }
            assertEquals(1, blobs.size(), "one blob for twenty copies");
            assertTrue(st.mail().mailbox(alice.id(), "INBOX").map(mb -> st.mail().messages(mb.id()).isEmpty()).orElse(true));

            var bobs = new java.util.HashSet<org.tegami.store.BlobId>();
            StringBuilder upTo = new StringBuilder();
            for (int i = 1; i <= 4; i++) {
                upTo.append("X-Step: ").append(i).append("\r\n");
                var mb = st.mail().mailbox(bob.id(), "M" + i).orElseThrow();
                bobs.add(st.mail().messages(mb.id()).getFirst().blob());
                String h = header(s.port("imaps"), "bob@example.test", "M" + i);
                assertTrue(h.endsWith(HEAD + upTo + "\r\n"), "M" + i + " as it was when filed: " + h);
            }
            assertEquals(4, bobs.size(), "at the bound, one blob per state");
        }
    }

    /**
     * RFC 5293 §7 and RFC 5230 §4.3: the vacation reply answers the header as edited when vacation ran: its default
     * subject is "Auto: " and the edited Subject; it goes to the envelope sender, whatever an added Reply-To says.
     */
    @Test
    void vacationAnswersTheEditedSubject() throws Exception {
        try (var dns = new org.tegami.testkit.TestDnsServer(); Mx mx = new Mx(); TegamiServer s = startWithMx(dns, mx)) {
            dns.add("example.org. 300 IN MX 10 mx.remote.test.");
            Store st = s.store();
            Account alice = user(st, "alice@example.test");
            script(st, alice, """
                    require ["editheader", "vacation"];
                    deleteheader "Subject";
                    addheader "Subject" "[renamed] figures";
                    addheader "Reply-To" "<elsewhere@remote.test>";
                    vacation "I am away.";
                    deleteheader "Subject";
                    addheader "Subject" "too late";
                    """);
            send(s.port("smtp"), List.of("alice@example.test"), (HEAD + "\r\nThe figures.\r\n").getBytes(StandardCharsets.US_ASCII));
            Mx.Got got = mx.got.poll(60, java.util.concurrent.TimeUnit.SECONDS);
            org.junit.jupiter.api.Assertions.assertNotNull(got, "the reply reached the MX");
            assertEquals("", got.mailFrom());
            assertEquals(List.of("sender@example.org"), got.rcptTo());
            String reply = new String(got.data(), StandardCharsets.US_ASCII);
            assertTrue(reply.contains("\r\nSubject: Auto: [renamed] figures\r\n"), reply);
            assertTrue(reply.contains("\r\nIn-Reply-To: <figures.1@example.org>\r\n"), reply);
            assertTrue(reply.contains("\r\nTo: sender@example.org\r\n") || reply.contains("\r\nTo: <sender@example.org>\r\n"), reply);
        }
    }
}
