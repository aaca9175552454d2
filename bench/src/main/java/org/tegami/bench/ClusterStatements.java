package org.tegami.bench;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;
import org.tegami.testkit.TestPostgres;

/**
 * Counts the SQL statements PostgreSQL receives per SMTP delivery and per IMAP command on one node, from its own log
 * with {@code log_statement = 'all'} (set with ALTER SYSTEM for the duration, on the bench's own server). Every
 * statement but the BEGIN that the driver sends in front of a transaction's first one is a round trip.
 */
final class ClusterStatements {
    private static final int N = 50;

    private ClusterStatements() {}

    static void run(ClusterNodes c, boolean verbose) throws Exception {
        TestPostgres pg = TestPostgres.get();
        String url = "jdbc:postgresql://127.0.0.1:" + pg.port() + "/postgres";
        Path log;
        try (Connection db = DriverManager.getConnection(url, TestPostgres.USER, "");
             Statement s = db.createStatement()) {
            try (ResultSet rs = s.executeQuery("SHOW data_directory")) {
                rs.next();
                log = Path.of(rs.getString(1)).getParent().resolve("log");
            }
            s.execute("ALTER SYSTEM SET log_statement = 'all'");
            s.execute("SELECT pg_reload_conf()");
        }
        Thread.sleep(1000);
        try {
            System.out.printf("SQL statements per operation (one node on PostgreSQL, %d of each, one client, log_statement):%n", N);
            smtp(c, log, verbose);
            imap(c, log, verbose);
        } finally {
            try (Connection db = DriverManager.getConnection(url, TestPostgres.USER, "");
                 Statement s = db.createStatement()) {
                s.execute("ALTER SYSTEM RESET log_statement");
                s.execute("SELECT pg_reload_conf()");
            } catch (SQLException e) {
                System.out.println("could not reset log_statement: " + e.getMessage());
            }
        }
    }

    private static void smtp(ClusterNodes c, Path log, boolean verbose) throws Exception {
        try (Socket s = new Socket("127.0.0.1", c.smtpPort(0))) {
            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
            ClusterLoads.expect(in, "220");
            ClusterLoads.send(out, "EHLO count.example\r\n");
            ClusterLoads.expect(in, "250");
            for (int large = 0; large < 2; large++) {
                byte[] body = ClusterLoads.filler(large == 1 ? 150 : 10);
                long from = size(log);
                for (int i = 0; i < N; i++) {
                    ClusterLoads.send(out, "MAIL FROM:<load@example.org>\r\nRCPT TO:<" + ClusterNodes.recipient(0) + ">\r\nDATA\r\n");
                    ClusterLoads.expect(in, "250");
                    ClusterLoads.expect(in, "250");
                    ClusterLoads.expect(in, "354");
                    ClusterLoads.writeMessage(out, "count" + large + "-" + i + "-" + System.nanoTime(), ClusterNodes.recipient(0), body);
                    ClusterLoads.expect(in, "250");
                }
                Thread.sleep(700); // the change notifications go out after the commit, on their own thread
                report(large == 1 ? "SMTP delivery, 150 KiB (S3)" : "SMTP delivery, 10 KiB", log, from, verbose);
            }
            ClusterLoads.send(out, "QUIT\r\n");
        }
    }

    private static void imap(ClusterNodes c, Path log, boolean verbose) throws Exception {
        byte[] msg = ("From: load@example.org\r\nSubject: count\r\n\r\n" + "text ".repeat(400) + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        try (ImapBench.Client cl = new ImapBench.Client(c.imapsPort(0))) {
            cl.command("l LOGIN " + ClusterNodes.recipient(0) + " " + ImapBench.PASSWORD);
            cl.command("s SELECT INBOX");
            measure("SELECT INBOX (100 messages)", log, verbose, () -> cl.command("s SELECT INBOX"));
            measure("EXAMINE INBOX (100 messages)", log, verbose, () -> cl.command("s EXAMINE INBOX"));
            cl.command("s SELECT INBOX");
            measure("STATUS INBOX (5 items)", log, verbose,
                    () -> cl.command("u STATUS INBOX (MESSAGES UNSEEN UIDNEXT HIGHESTMODSEQ SIZE)"));
            // LIST-STATUS (RFC 5819) over the account's mailboxes and 100 more, empty
            for (int i = 0; i < 100; i++) cl.command("c CREATE count" + i);
            measure("LIST-STATUS, 100+ mailboxes", log, verbose,
                    () -> cl.command("l LIST \"\" \"*\" RETURN (STATUS (MESSAGES UNSEEN UIDNEXT))"));
            for (int i = 0; i < 100; i++) cl.command("c DELETE count" + i);
            measure("FETCH 1:* (UID FLAGS)", log, verbose, () -> cl.command("f FETCH 1:* (UID FLAGS)"));
            int[] uid = {0};
            measure("UID FETCH n (BODY.PEEK[])", log, verbose, () -> cl.command("b UID FETCH " + (1 + uid[0]++ % 100) + " (BODY.PEEK[])"));
            measure("STORE 1 FLAGS (..)", log, verbose, () -> cl.command("t STORE 1 FLAGS (" + (uid[0]++ % 2 == 0 ? "\\Seen" : "\\Flagged") + ")"));
            measure("APPEND (LITERAL+, 2 KiB)", log, verbose, () -> {
                cl.raw(("a APPEND INBOX (\\Deleted) {" + msg.length + "+}\r\n").getBytes(StandardCharsets.US_ASCII));
                cl.raw(msg);
                cl.raw("\r\n".getBytes(StandardCharsets.US_ASCII));
                return cl.readUntil("a ");
            });
            measure("NOOP", log, verbose, () -> cl.command("n NOOP"));
            // one EXPUNGE per APPEND, as in the mix: each removes one \Deleted message
            long from = size(log);
            for (int i = 0; i < N; i++) {
                cl.raw(("a APPEND INBOX (\\Deleted) {" + msg.length + "+}\r\n").getBytes(StandardCharsets.US_ASCII));
                cl.raw(msg);
                cl.raw("\r\n".getBytes(StandardCharsets.US_ASCII));
                cl.readUntil("a ");
                cl.command("e EXPUNGE");
            }
            Thread.sleep(700);
            report("APPEND + EXPUNGE (one message)", log, from, verbose);
            cl.command("z LOGOUT");
        }
    }

    @FunctionalInterface
    private interface Op {
        long run() throws IOException;
    }

    private static void measure(String what, Path log, boolean verbose, Op op) throws Exception {
        long from = size(log);
        for (int i = 0; i < N; i++) op.run();
        Thread.sleep(700);
        report(what, log, from, verbose);
    }

    private static long size(Path log) throws IOException {
        return java.nio.file.Files.size(log);
    }

    private static void report(String what, Path log, long from, boolean verbose) throws IOException {
        byte[] bytes;
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long to = f.length();
            bytes = new byte[(int) (to - from)];
            f.seek(from);
            f.readFully(bytes);
        }
        int statements = 0;
        int begins = 0;
        int commits = 0;
        int readOnly = 0;
        Map<String, Integer> kinds = new TreeMap<>();
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            int at = line.indexOf("LOG:  execute ");
            int text;
            if (at >= 0) {
                text = line.indexOf(": ", at + 14) + 2;
            } else if ((at = line.indexOf("LOG:  statement: ")) >= 0) {
                text = at + 17;
            } else {
                continue;
            }
            String sql = line.substring(text).strip();
            statements++;
            if (sql.regionMatches(true, 0, "BEGIN", 0, 5)) begins++; // also BEGIN READ ONLY: sent with the next one
            if (sql.regionMatches(true, 0, "BEGIN READ ONLY", 0, 15)) readOnly++;
            if (sql.equalsIgnoreCase("COMMIT")) commits++;
            kinds.merge(sql.length() > 110 ? sql.substring(0, 110) + "…" : sql, 1, Integer::sum);
        }
        System.out.printf("  %-34s %6.1f statements, %6.1f round trips, %5.1f transactions (%5.1f read-only) per operation%n",
                what, statements / (double) N, (statements - begins) / (double) N, commits / (double) N,
                readOnly / (double) N);
        if (verbose) {
            kinds.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                    .forEach(e -> System.out.printf("      %6.2f  %s%n", e.getValue() / (double) N, e.getKey()));
        }
    }
}
