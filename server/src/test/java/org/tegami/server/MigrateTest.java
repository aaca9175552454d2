package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.cli.Cli;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.Account;
import org.tegami.store.MessageMeta;
import org.tegami.store.QueueEntry;
import org.tegami.testkit.S3TestServer;
import org.tegami.testkit.TestDnsServer;
import org.tegami.testkit.TestPostgres;
import org.tegami.testkit.TestTls;

/**
 * {@code tegami migrate}: an embedded server filled over the wire (SMTP, IMAP, ManageSieve, submission), stopped,
 * moved to PostgreSQL + S3, and a server on the new config answering exactly as the old one did; and the refusals
 * (server running, target not empty).
 */
class MigrateTest {
    @TempDir
    Path dir;

    private static final String SCRIPT = "require \"fileinto\";\r\nif header :contains \"subject\" \"veg\" { fileinto \"Veg\"; }\r\n";

    @Test
    void embeddedInstallationMovesToPostgresAndS3AndClientsSeeNoDifference() throws Exception {
        Assumptions.assumeTrue(TestPostgres.available(), TestPostgres.WHY_MISSING);
        TestPostgres.Database db = TestPostgres.get().newDatabase();
        S3TestServer s3 = S3TestServer.get();
        String bucket = s3.newBucket();
        int closed = org.tegami.testkit.FreePort.pick(); // nothing listens here: the old node's delivery attempt fails
        Set<String> services = Set.of("smtp", "submission", "imaps", "managesieve");
        try (TestDnsServer dns = new TestDnsServer();
             TegamiServer b = TegamiServer.start(ConfigLoader.load(TestConfigs.write(Files.createDirectory(dir.resolve("b")),
                     Set.of("smtp"), "[inbound]\nverify = false\n")), InstantSource.system())) {
            dns.add("b.test. 300 IN MX 10 mx.b.test.").add("mx.b.test. 300 IN A 127.0.0.1");
            b.store().accounts().addDomain("b.test");
            Account carol = b.store().accounts().addUser(EmailAddress.parse("carol@b.test").orElseThrow(),
                    new PasswordHasher().hash("carol-password".toCharArray()));
            String common = "[inbound]\nverify = false\n[dns]\nnameservers = [\"127.0.0.1:" + dns.address().getPort() + "\"]\n";
            Path oldCfg = TestConfigs.write(Files.createDirectory(dir.resolve("old")), services,
                    common + "[outbound]\nmx_port = " + closed + "\n");
            String target = "[store]\nkind = \"postgresql\"\nurl = \"" + db.url() + "\"\nuser = \"" + db.user()
                    + "\"\npassword = \"" + db.password() + "\"\n[blobs]\nkind = \"s3\"\nendpoint = \"" + s3.endpoint()
                    + "\"\nbucket = \"" + bucket + "\"\nregion = \"us-east-1\"\naccess_key = \"" + S3TestServer.ACCESS_KEY
                    + "\"\nsecret_key = \"" + S3TestServer.SECRET_KEY + "\"\npath_style = true\n";
            Path newCfg = TestConfigs.write(Files.createDirectory(dir.resolve("new")), services,
                    common + "[outbound]\nmx_port = " + b.port("smtp") + "\n" + target);

            byte[] large = ("From: <bob@example.org>\r\nSubject: large\r\n\r\n"
                    + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n".repeat(3000))
                    .getBytes(StandardCharsets.US_ASCII); // 198 KB: a blob file, then an object in the bucket
            List<String> before;
            List<QueueEntry> queuedBefore;
            List<org.tegami.mailauth.dkim.DkimKey> dkim;
            try (TegamiServer old = TegamiServer.start(ConfigLoader.load(oldCfg), InstantSource.system())) {
                assertEquals("0", cli("", "domain", "add", "example.test", "--config", oldCfg.toString())[0]);
                String[] added = cli("alice-password\n", "user", "add", "alice@example.test", "--password-stdin", "--config", oldCfg.toString());
                assertEquals("0", added[0], added[2]);
                assertEquals("0", cli("bob-password\n", "user", "add", "bob@example.test", "--password-stdin", "--config", oldCfg.toString())[0]);
                assertEquals("0", cli("", "user", "quota", "alice@example.test", "--storage", "50M", "--messages", "1000", "--config", oldCfg.toString())[0]);
                assertEquals("0", cli("", "alias", "add", "postmaster@example.test", "alice@example.test", "--config", oldCfg.toString())[0]);
                dkim = new org.tegami.mailauth.dkim.DkimKeys(old.config().dataDir()).generate("example.test");

                Wire.smtp(old.port("smtp"), "From: <bob@example.org>\r\nSubject: small\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII));
                Wire.smtp(old.port("smtp"), large);
                fill(old.port("imaps"));
                sieve(old.port("managesieve"), true);
                submit(old.port("submission"));
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (System.nanoTime() < deadline && (old.store().queue().list().isEmpty()
                        || old.store().queue().list().getFirst().attempts() == 0)) {
                    Thread.sleep(50);
                }
                queuedBefore = old.store().queue().list();
                assertEquals(1, queuedBefore.size());
                assertEquals(1, queuedBefore.getFirst().attempts(), "tried once, the MX refused: queued for later");
                observe(old.port("imaps"), old.port("managesieve")); // claims \Recent (RFC 3501 §2.3.2), as a client would have
                before = observe(old.port("imaps"), old.port("managesieve"));

                String[] running = cli("", "migrate", "--from", oldCfg.toString(), "--config", newCfg.toString());
                assertEquals("1", running[0]);
                assertEquals("tegami: a server is running on " + old.config().dataDir() + " (it holds "
                        + old.config().dataDir().resolve("server.lock") + "): stop it before migrating, so no mail"
                        + " arrives that the copy would miss\n", running[2]);
            }

            String[] dry = cli("", "migrate", "--dry-run", "--from", oldCfg.toString(), "--config", newCfg.toString());
            assertEquals("0", dry[0], dry[2]);
            assertTrue(dry[1].contains("migrate:   messages 5\n"), dry[1]);
            assertTrue(dry[1].endsWith("migrate: dry run: the target is a database without Tegami's schema (created"
                    + " when migrating); nothing changed\n"), dry[1]);

            String[] done = cli("", "migrate", "--from", oldCfg.toString(), "--config", newCfg.toString());
            assertEquals("0", done[0], done[2]);
            assertTrue(done[1].contains("\nmigrate: messages 5/5\n"), done[1]);
            assertTrue(done[1].contains("\nmigrate: blobs 5/5, "), done[1]);
            assertTrue(done[1].contains("\nmigrate: verified: row counts of 30 tables, mailbox and message counters,"
                    + " every named blob present, 5 blob(s) re-read with their SHA-256 checked\n"), done[1]);
            assertTrue(done[1].contains("\nmigrate: done; start the nodes on " + newCfg), done[1]);
            assertEquals(dkim.stream().map(org.tegami.mailauth.dkim.DkimKey::selector).sorted().toList(),
                    new org.tegami.mailauth.dkim.DkimKeys(dir.resolve("new/d")).forDomain("example.test").stream()
                            .map(org.tegami.mailauth.dkim.DkimKey::selector).sorted().toList(), "DKIM keys go along");
            assertEquals(-1, Files.mismatch(dir.resolve("old/d/tls/selfsigned-cert.pem"), dir.resolve("new/d/tls/selfsigned-cert.pem")),
                    "so does the TLS certificate");
            assertTrue(done[1].contains(" key file(s)\n"), done[1]);

            String[] again = cli("", "migrate", "--from", oldCfg.toString(), "--config", newCfg.toString());
            assertEquals("1", again[0]);
            assertTrue(again[2].startsWith("tegami: the target database is not empty (blobs: 5 rows, domains: 1 row,"
                    + " accounts: 2 rows, aliases: 1 row, quotas: 1 row, mailboxes: 14 rows, subscriptions: 13 rows, acl: 1 row,"
                    + " metadata: 2 rows, messages: 5 rows, expunged: 1 row, queue: 1 row, queue_recipients: 1 row, "),
                    again[2]);
            // the spam classifier's tables come next: how many rows depends on whether the old server had learned
            // from the moves yet (it learns in the background), so only the tables after them are fixed
            assertTrue(again[2].contains(" rows, sieve_scripts: 2 rows, "), again[2]);
            assertTrue(again[2].endsWith("); tegami migrate copies into an empty database only: drop and re-create it"
                    + " (also after an interrupted migration) or name another in [store] url\n"), again[2]);

            try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM blobs WHERE data IS NULL")) {
                rs.next();
                assertEquals(1, rs.getInt(1), "the large message's bytes are an object in the bucket");
            }

            try (TegamiServer next = TegamiServer.start(ConfigLoader.load(newCfg), InstantSource.system())) {
                List<String> after = observe(next.port("imaps"), next.port("managesieve"));
                assertEquals(String.join("\n", before), String.join("\n", after));
                List<QueueEntry> queuedAfter = next.store().queue().list();
                assertEquals(1, queuedAfter.size());
                QueueEntry q0 = queuedBefore.getFirst();
                QueueEntry q1 = queuedAfter.getFirst();
                assertEquals(List.of(q0.id(), q0.blob(), q0.size(), q0.sender(), q0.recipients(), q0.created(), q0.nextAttempt(),
                        q0.attempts(), q0.lastError(), q0.submitter(), q0.dkimDomain(), q0.params()),
                        List.of(q1.id(), q1.blob(), q1.size(), q1.sender(), q1.recipients(), q1.created(), q1.nextAttempt(),
                        q1.attempts(), q1.lastError(), q1.submitter(), q1.dkimDomain(), q1.params()));
                assertTrue(q1.params().toString().contains("SUCCESS"), q1.params().toString());

                appendGetsTheNextUid(next.port("imaps"), before);

                // the operator retries the queue now rather than at its next attempt: the new node delivers it
                String[] flushed = cli("", "queue", "flush", "--config", newCfg.toString());
                assertEquals("0", flushed[0], flushed[2]);
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (System.nanoTime() < deadline && b.store().mail().messages(
                        b.store().mail().mailbox(carol.id(), "INBOX").orElseThrow().id()).isEmpty()) {
                    Thread.sleep(100);
                }
                List<MessageMeta> atB = b.store().mail().messages(b.store().mail().mailbox(carol.id(), "INBOX").orElseThrow().id());
                assertEquals(1, atB.size(), "the queued message reached carol from the new node");
                try (InputStream in = b.store().blobs().open(atB.getFirst().blob())) {
                    String got = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    assertTrue(got.contains("Subject: queued before the move"), got);
                }
            }
        }
    }

    /** Mailboxes, flags, keywords, ACL, METADATA, subscriptions and an expunge, over IMAP. */
    private static void fill(int port) throws Exception {
        try (Wire w = Wire.tls(port)) {
            w.line();
            ok(w, "a1 LOGIN alice@example.test alice-password");
            append(w, "a2", "INBOX", "(\\Seen \\Flagged $Label1 project-x)", "Subject: appended\r\n\r\nkept flags\r\n");
            append(w, "a3", "INBOX", "(\\Draft)", "Subject: to expunge\r\n\r\ngone\r\n");
            ok(w, "a4 CREATE Fruit");
            ok(w, "a5 RENAME Fruit Veg");
            ok(w, "a6 SUBSCRIBE Veg");
            ok(w, "a7 CREATE Projects");
            ok(w, "a8 SETACL Veg bob@example.test lrs");
            ok(w, "a9 SETMETADATA INBOX (/private/comment \"my inbox\")");
            ok(w, "b1 SETMETADATA \"\" (/private/vendor/x \"server entry\")");
            ok(w, "b2 SELECT INBOX (CONDSTORE)");
            ok(w, "b3 UID STORE 1 +FLAGS (\\Answered)");
            ok(w, "b4 UID STORE 4 +FLAGS (\\Deleted)");
            ok(w, "b5 EXPUNGE");
            ok(w, "b6 UID COPY 2 Veg");
            append(w, "b7", "Projects", "()", "Subject: archived\r\n\r\nold\r\n");
            ok(w, "b8 LOGOUT");
        }
    }

    private static void ok(Wire w, String command) throws Exception {
        String r = w.command(command);
        assertTrue(r.startsWith(command.substring(0, command.indexOf(' ')) + " OK"), command + " -> " + r);
    }

    private static String append(Wire w, String tag, String mailbox, String flags, String message) throws Exception {
        byte[] m = message.getBytes(StandardCharsets.US_ASCII);
        w.send(tag + " APPEND " + mailbox + " " + flags + " {" + m.length + "}");
        assertTrue(w.line().startsWith("+"));
        w.write(m);
        w.send("");
        String r;
        do {
            r = w.line();
        } while (!r.startsWith(tag + " "));
        assertTrue(r.startsWith(tag + " OK"), r);
        return r;
    }

    /** Everything a client sees, as exact lines: mailboxes, counters, messages with bodies, ACL, METADATA, quota, scripts. */
    private static List<String> observe(int imaps, int managesieve) throws Exception {
        List<String> out = new ArrayList<>();
        try (Wire w = Wire.tls(imaps)) {
            w.line();
            out.addAll(all(w, "o1 LOGIN alice@example.test alice-password"));
            out.addAll(all(w, "o2 LIST (SUBSCRIBED) \"\" \"*\""));
            out.addAll(all(w, "o3 LIST \"\" \"*\""));
            for (String box : List.of("INBOX", "Veg", "Projects")) {
                out.addAll(all(w, "o4 SELECT " + box + " (CONDSTORE)"));
                out.addAll(all(w, "o5 UID FETCH 1:* (UID FLAGS MODSEQ INTERNALDATE RFC822.SIZE BODY.PEEK[])"));
                out.addAll(all(w, "o6 UID FETCH 1:* (UID FLAGS) (CHANGEDSINCE 1 VANISHED)"));
            }
            out.addAll(all(w, "o7 GETACL Veg"));
            out.addAll(all(w, "o8 GETMETADATA INBOX /private/comment"));
            out.addAll(all(w, "o9 GETMETADATA \"\" /private/vendor/x"));
            out.addAll(all(w, "p1 GETQUOTAROOT INBOX"));
            out.addAll(all(w, "p2 LOGOUT"));
        }
        out.addAll(sieve(managesieve, false));
        return out;
    }

    /** Sends a command and returns every line up to and including its tagged response (literals read as lines). */
    private static List<String> all(Wire w, String command) throws Exception {
        List<String> out = new ArrayList<>();
        out.add("C: " + command);
        w.send(command);
        String tag = command.substring(0, command.indexOf(' ') + 1);
        String r;
        do {
            r = w.line();
            out.add(r);
        } while (!r.startsWith(tag));
        return out;
    }

    /** After the move: APPEND takes the old UIDNEXT, in the same UIDVALIDITY, with a higher HIGHESTMODSEQ. */
    private static void appendGetsTheNextUid(int port, List<String> before) throws Exception {
        String inboxSelect = String.join("\n", before.subList(before.indexOf("C: o4 SELECT INBOX (CONDSTORE)"), before.size()));
        long uidvalidity = number(inboxSelect, "\\[UIDVALIDITY (\\d+)]");
        long uidnext = number(inboxSelect, "\\[UIDNEXT (\\d+)]");
        long modseq = number(inboxSelect, "\\[HIGHESTMODSEQ (\\d+)]");
        try (Wire w = Wire.tls(port)) {
            w.line();
            ok(w, "n1 LOGIN alice@example.test alice-password");
            String ok = append(w, "n2", "INBOX", "(\\Seen)", "Subject: after the move\r\n\r\nnew\r\n");
            assertEquals("n2 OK [APPENDUID " + uidvalidity + " " + uidnext + "] APPEND completed", ok);
            String selected = String.join("\n", all(w, "n3 SELECT INBOX (CONDSTORE)"));
            assertTrue(number(selected, "\\[HIGHESTMODSEQ (\\d+)]") > modseq, selected);
            assertEquals(uidnext + 1, number(selected, "\\[UIDNEXT (\\d+)]"));
            ok(w, "n4 CREATE Brand-new");
            String fresh = String.join("\n", all(w, "n5 SELECT Brand-new"));
            assertNotEquals(uidvalidity, number(fresh, "\\[UIDVALIDITY (\\d+)]"));
            assertTrue(number(fresh, "\\[UIDVALIDITY (\\d+)]") > uidvalidity, "UIDVALIDITY keeps growing after the move");
        }
    }

    private static long number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex + " in " + text);
        return Long.parseLong(m.group(1));
    }

    /** ManageSieve (RFC 5804) after STARTTLS: uploads and activates a script, or lists the scripts. */
    private static List<String> sieve(int port, boolean upload) throws Exception {
        List<String> out = new ArrayList<>();
        try (java.net.Socket plain = new java.net.Socket("127.0.0.1", port)) {
            plain.setSoTimeout(30_000);
            var in = new java.io.BufferedInputStream(plain.getInputStream());
            untilOk(in);
            plain.getOutputStream().write("STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(line(in).startsWith("OK"));
            try (var tls = (javax.net.ssl.SSLSocket) TestTls.trustAllClientContext().getSocketFactory()
                    .createSocket(plain, "127.0.0.1", port, true)) {
                var tin = new java.io.BufferedInputStream(tls.getInputStream());
                var tout = tls.getOutputStream();
                untilOk(tin); // RFC 5804 §2.2: capabilities again after TLS
                String plainAuth = Base64.getEncoder().encodeToString("\0alice@example.test\0alice-password".getBytes(StandardCharsets.UTF_8));
                tout.write(("AUTHENTICATE \"PLAIN\" \"" + plainAuth + "\"\r\n").getBytes(StandardCharsets.US_ASCII));
                assertTrue(line(tin).startsWith("OK"));
                if (upload) {
                    byte[] s = SCRIPT.getBytes(StandardCharsets.US_ASCII);
                    tout.write(("PUTSCRIPT \"veg\" {" + s.length + "+}\r\n").getBytes(StandardCharsets.US_ASCII));
                    tout.write(s);
                    tout.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    String ok = line(tin);
                    assertTrue(ok.startsWith("OK"), ok);
                    tout.write("PUTSCRIPT \"spare\" {7+}\r\nkeep;\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    ok = line(tin);
                    assertTrue(ok.startsWith("OK"), ok);
                    tout.write("SETACTIVE \"veg\"\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertTrue(line(tin).startsWith("OK"));
                }
                tout.write("LISTSCRIPTS\r\n".getBytes(StandardCharsets.US_ASCII));
                out.add("C: LISTSCRIPTS");
                out.addAll(untilOk(tin));
                tout.write("GETSCRIPT \"veg\"\r\n".getBytes(StandardCharsets.US_ASCII));
                out.add("C: GETSCRIPT");
                out.addAll(untilOk(tin));
            }
        }
        return out;
    }

    private static List<String> untilOk(InputStream in) throws Exception {
        List<String> out = new ArrayList<>();
        String l;
        do {
            l = line(in);
            out.add(l);
        } while (!l.startsWith("OK") && !l.startsWith("NO") && !l.startsWith("BYE"));
        assertTrue(l.startsWith("OK"), String.join("\n", out));
        return out;
    }

    private static String line(InputStream in) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) throw new java.io.IOException("closed after " + b);
            if (c != '\r') b.write(c);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    /** alice submits to carol@b.test with DSN parameters (RFC 3461): STARTTLS, AUTH, then queued. */
    private static void submit(int port) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", Integer.toString(port));
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.starttls.enable", "true");
        p.put("mail.smtp.starttls.required", "true");
        p.put("mail.smtp.ssl.trust", "*");
        p.put("mail.smtp.ssl.checkserveridentity", "false");
        p.put("mail.smtp.dsn.notify", "SUCCESS,FAILURE");
        p.put("mail.smtp.dsn.ret", "HDRS");
        MimeMessage m = new MimeMessage(Session.getInstance(p));
        m.setFrom(new InternetAddress("alice@example.test"));
        m.setRecipients(Message.RecipientType.TO, "carol@b.test");
        m.setSubject("queued before the move");
        m.setText("Hello Carol.\n");
        m.setSentDate(new java.util.Date());
        Transport.send(m, "alice@example.test", "alice-password");
    }

    /** Runs the CLI in-process; returns exit code, stdout and stderr. */
    static String[] cli(String stdin, String... args) {
        InputStream in = System.in;
        PrintStream out = System.out;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            var cl = Cli.commandLine(new Main());
            cl.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
            int code = cl.execute(args);
            return new String[] {Integer.toString(code), o.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setIn(in);
            System.setOut(out);
        }
    }
}
