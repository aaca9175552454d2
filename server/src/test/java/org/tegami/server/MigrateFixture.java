package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tegami.testkit.TestTls;

/**
 * What both directions of {@code tegami migrate} are tested with: a server filled over the wire (IMAP, ManageSieve,
 * submission), everything a client sees read back as exact lines, and the CLI run in-process.
 */
final class MigrateFixture {
    private MigrateFixture() {}

    static final String SCRIPT = "require \"fileinto\";\r\nif header :contains \"subject\" \"veg\" { fileinto \"Veg\"; }\r\n";

    /** Mailboxes, flags, keywords, ACL, METADATA, subscriptions and an expunge, over IMAP. */
    static void fill(int port) throws Exception {
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

    static void ok(Wire w, String command) throws Exception {
        String r = w.command(command);
        assertTrue(r.startsWith(command.substring(0, command.indexOf(' ')) + " OK"), command + " -> " + r);
    }

    static String append(Wire w, String tag, String mailbox, String flags, String message) throws Exception {
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
    static List<String> observe(int imaps, int managesieve) throws Exception {
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
    static List<String> all(Wire w, String command) throws Exception {
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
    static void appendGetsTheNextUid(int port, List<String> before) throws Exception {
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

    static long number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex + " in " + text);
        return Long.parseLong(m.group(1));
    }

    /** ManageSieve (RFC 5804) after STARTTLS: uploads and activates a script, or lists the scripts. */
    static List<String> sieve(int port, boolean upload) throws Exception {
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

    static List<String> untilOk(InputStream in) throws Exception {
        List<String> out = new ArrayList<>();
        String l;
        do {
            l = line(in);
            out.add(l);
        } while (!l.startsWith("OK") && !l.startsWith("NO") && !l.startsWith("BYE"));
        assertTrue(l.startsWith("OK"), String.join("\n", out));
        return out;
    }

    static String line(InputStream in) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) throw new java.io.IOException("closed after " + b);
            if (c != '\r') b.write(c);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    /** alice submits to carol@b.test with DSN parameters (RFC 3461): STARTTLS, AUTH, then queued. */
    static void submit(int port) throws Exception {
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
        return CliRun.run(stdin, args).fields();
    }

    /** An old embedded installation in {@code dir/old} holding {@code rows}, and a new one on {@code db} in {@code dir/new}. */
    record Installations(java.nio.file.Path oldConfig, java.nio.file.Path newConfig, java.nio.file.Path oldData) {}

    static Installations embeddedRowsAndPostgres(java.nio.file.Path dir, org.tegami.testkit.TestPostgres.Database db,
                                                 List<String> rows) throws Exception {
        java.nio.file.Path oldCfg = TestConfigs.write(java.nio.file.Files.createDirectory(dir.resolve("old")), java.util.Set.of(), "");
        java.nio.file.Path newCfg = TestConfigs.write(java.nio.file.Files.createDirectory(dir.resolve("new")), java.util.Set.of(),
                "[store]\nkind = \"postgresql\"\nurl = \"" + db.url() + "\"\nuser = \"" + db.user() + "\"\npassword = \""
                        + db.password() + "\"\n");
        java.nio.file.Path data = dir.resolve("old/d");
        Stores.openEmbedded(data, java.time.InstantSource.system(), l -> { }).close();
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + data.resolve("meta.db")); var st = c.createStatement()) {
            for (String row : rows) st.executeUpdate(row);
        }
        return new Installations(oldCfg, newCfg, data);
    }

    /**
     * Fills a running server the way users would (two SMTP deliveries, one {@code large}, IMAP, a Sieve script, a
     * submission whose remote copy the refusing MX leaves queued), and waits for that entry's first attempt.
     */
    static List<org.tegami.store.QueueEntry> fillAndQueue(TegamiServer old, byte[] large) throws Exception {
        Wire.smtp(old.port("smtp"), "From: <bob@example.org>\r\nSubject: small\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII));
        Wire.smtp(old.port("smtp"), large);
        fill(old.port("imaps"));
        sieve(old.port("managesieve"), true);
        submit(old.port("submission"));
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline && (old.store().queue().list().isEmpty()
                || old.store().queue().list().getFirst().attempts() == 0)) {
            Thread.sleep(50);
        }
        List<org.tegami.store.QueueEntry> queued = old.store().queue().list();
        assertEquals(1, queued.size());
        return queued;
    }
}
