package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.mime.EmailAddress;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.Store;
import org.tegami.testkit.TestPostgres;

/**
 * Every table of the embedded schema holds a row, every column a value (NULLs and empty bytes included); after
 * {@code tegami migrate} each row reads back identical from PostgreSQL, and new ids, UIDVALIDITYs and queue ids come
 * after the copied ones.
 */
class MigrateAllTablesTest {
    @TempDir
    Path dir;

    /** SHA-256 of "hello", the blob's bytes. */
    private static final String BLOB = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    /** One row per table, each id above what a fresh store would hand out, and counters ahead of the ids. */
    static final List<String> ROWS = List.of(
            "INSERT INTO domains VALUES ('example.test')",
            "INSERT INTO accounts(id, address, addr_key, password_hash) VALUES (7, 'Alice@example.test', 'alice@example.test', '$argon2id$x')",
            "INSERT INTO aliases VALUES ('postmaster@example.test', 'alice@example.test')",
            "INSERT INTO quotas VALUES (7, 1024, NULL)",
            "INSERT INTO mailboxes(id, account_id, name, uidvalidity, uidnext, highestmodseq, special_use, subscribed, recent_uid)"
                    + " VALUES (40, 7, 'INBOX', 1700000000, 12, 99, NULL, 1, 11)",
            "INSERT INTO mailboxes(id, account_id, name, uidvalidity, uidnext, highestmodseq, special_use, subscribed, recent_uid)"
                    + " VALUES (41, 7, 'Sent', 1700000001, 1, 1, '\\Sent', 0, 0)",
            "INSERT INTO subscriptions VALUES (7, 'Gone')",
            "INSERT INTO shared_subscriptions VALUES (7, 41)",
            "INSERT INTO acl VALUES (41, 0, 'lr')",
            "INSERT INTO metadata VALUES (7, 0, '/private/comment', 'x')",
            "INSERT INTO messages(mailbox_id, uid, blob, size, internal_date, flags, modseq, save_date, prefix)"
                    + " VALUES (40, 11, '" + BLOB + "', 5, 1700000000123, '\\Seen $Label1', 98, NULL, x'52656365697665643a20')",
            "INSERT INTO expunged VALUES (40, 10, 99)",
            "INSERT INTO queue(id, blob, size, skip_bytes, sender, created, next_attempt, attempts, last_error, delay_notified,"
                    + " claimed_until, claimed_by, submitter, dkim_domain, prefix, dsn_ret, dsn_envid, tls)"
                    + " VALUES (3, '" + BLOB + "', 5, 0, 'alice@example.test', 1, 2, 1, '451 later', 0, 99999999999999,"
                    + " 'old-node', 7, 'example.test', x'', 'HDRS', 'env-1', 1)",
            "INSERT INTO queue_recipients VALUES (3, 0, 'carol@b.test', 'SUCCESS,FAILURE', 'rfc822', 'carol@b.test')",
            "INSERT INTO blobs VALUES ('" + BLOB + "', x'68656c6c6f')",
            "INSERT INTO blob_index VALUES ('" + BLOB + "', '{\"envelope\":1}')",
            "INSERT INTO blob_index VALUES ('" + "b".repeat(64) + "', 'of a blob nothing names: not copied')",
            "INSERT INTO spam_tokens VALUES (0, 'viagra', 3, 0)",
            "INSERT INTO spam_totals VALUES (0, 3, 4)",
            "INSERT INTO spam_learned VALUES (7, '" + BLOB + "', 'spam')",
            "INSERT INTO spam_learn_queue VALUES (5, 7, 40, 11, 'ham')",
            "INSERT INTO greylist VALUES ('192.0.2.0/24', '', 7, 10, 20, 1)",
            "INSERT INTO dmarc_report VALUES ('example.org', 19000, 'v=DMARC1; p=none')",
            "INSERT INTO dmarc_report_row VALUES ('example.org', 19000, 'row', 2)",
            "INSERT INTO tls_report_row VALUES ('example.org', 19000, 'sts,success,mx', 3)",
            "INSERT INTO sieve_scripts VALUES (7, 'main', 'keep;', 1)",
            "INSERT INTO sieve_marks VALUES (7, 'vacation:x', 123)",
            "INSERT INTO fetch_sources(id, account_id, protocol, host, port, username, password, folder, keep, enabled,"
                    + " last_success, last_error, failures, auth_failures, next_attempt, starttls, uidvalidity, highest_uid)"
                    + " VALUES (9, 7, 'imap', 'imap.example.org', 993, 'al', x'0102', 'INBOX', 1, 1, NULL, '', 0, 0, 5, 0, 77, 12)",
            "INSERT INTO fetch_pop3_seen VALUES (9, 'uidl-1')",
            "INSERT INTO trace_line VALUES (15, 1700000000000, 'line')",
            "INSERT INTO trace_key VALUES ('m:1', 15)",
            "INSERT INTO tls_report_received VALUES ('r1', 'example.test', 'sts', 1, 'Org', 2, 3, 4, 5, 'a=1')",
            "UPDATE counters SET value = 1800000000 WHERE name = 'uidvalidity'",
            "UPDATE counters SET value = 20 WHERE name = 'account_id'",
            "UPDATE counters SET value = 50 WHERE name = 'mailbox_id'",
            "UPDATE counters SET value = 30 WHERE name = 'queue_id'");

    @Test
    void everyColumnOfEveryTableArrivesAndNewIdsComeAfter() throws Exception {
        Assumptions.assumeTrue(TestPostgres.available(), TestPostgres.WHY_MISSING);
        TestPostgres.Database db = TestPostgres.get().newDatabase();
        MigrateFixture.Installations at = MigrateFixture.embeddedRowsAndPostgres(dir, db, ROWS);
        Path oldCfg = at.oldConfig(), newCfg = at.newConfig(), data = at.oldData();
        String[] r = MigrateFixture.cli("", "migrate", "--from", oldCfg.toString(), "--config", newCfg.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("migrate: blob_index 1/1\n"), "only the index of a named blob: " + r[1]);

        everyRowArrived(data, db);

        try (Store s = Stores.open(ConfigLoader.load(newCfg), InstantSource.system(), l -> { })) {
            var bob = s.accounts().addUser(EmailAddress.parse("bob@example.test").orElseThrow(), "$argon2id$y");
            assertEquals(21, bob.id().value(), "after the embedded counter (20), not after the highest id (7)");
            var box = s.mail().createMailbox(bob.id(), "New", Optional.empty());
            assertEquals(57, box.id().value(), "after the counter (50) and bob's six default mailboxes");
            assertTrue(box.uidValidity() > 1_800_000_000L, "UIDVALIDITY after the copied counter: " + box.uidValidity());
            assertEquals(3, s.queue().list().getFirst().id().value());
            assertTrue(s.queue().list().getFirst().params().toString().contains("SUCCESS"), s.queue().list().toString());
            var entry = s.queue().claim(java.time.Instant.ofEpochMilli(3), 10, java.time.Instant.ofEpochMilli(1000), "new-node");
            assertEquals(1, entry.size(), "the old node's lease was cleared: the new node claims the entry");
            assertEquals(1, s.sieve().list(new org.tegami.store.AccountId(7)).size());
        }
    }

    @Test
    void aDamagedBlobInTheSourceStopsTheMigrationNamingIt() throws Exception {
        Assumptions.assumeTrue(TestPostgres.available(), TestPostgres.WHY_MISSING);
        TestPostgres.Database db = TestPostgres.get().newDatabase();
        Path oldCfg = TestConfigs.write(Files.createDirectory(dir.resolve("old")), Set.of(), "");
        Path newCfg = TestConfigs.write(Files.createDirectory(dir.resolve("new")), Set.of(), "[store]\nkind = \"postgresql\"\n"
                + "url = \"" + db.url() + "\"\nuser = \"" + db.user() + "\"\npassword = \"" + db.password() + "\"\n");
        Path data = dir.resolve("old/d");
        Stores.openEmbedded(data, InstantSource.system(), l -> { }).close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("meta.db")); Statement s = c.createStatement()) {
            for (String row : ROWS.subList(0, 5)) s.executeUpdate(row);
            s.executeUpdate(ROWS.get(10)); // the message
            s.executeUpdate("INSERT INTO blobs VALUES ('" + BLOB + "', x'68656c6c6f21')"); // "hello!": not what its name says
        }
        String[] r = MigrateFixture.cli("", "migrate", "--from", oldCfg.toString(), "--config", newCfg.toString());
        assertEquals("1", r[0]);
        assertEquals("tegami: blob " + BLOB + " in the source is damaged (its content hashes to"
                + " ce06092fb948d9ffac7d1a376e404b26b7575bcc11ee05a4615fef4fec3a308b) (the target database is partial:"
                + " run the same command again with --resume to continue)\n", r[2]);
    }

    /** Every row of every copied table reads back identical from PostgreSQL (the queue's lease cleared). */
    static void everyRowArrived(Path data, TestPostgres.Database db) throws Exception {
        try (Connection src = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("meta.db"));
             Connection dst = DriverManager.getConnection(db.url(), db.user(), db.password())) {
            for (String table : tables(src)) {
                if (List.of("counters", "blob_orphans", "coord_event", "coord_lease").contains(table)) continue; // not copied: StoreMigration
                List<String> cols = columns(src, table);
                String where = table.equals("blob_index") ? " WHERE hex = '" + BLOB + "'" : "";
                String order = " ORDER BY " + String.join(", ", cols);
                String select = "SELECT " + String.join(", ", cols) + " FROM " + table;
                List<String> want = rows(src, select + where + order);
                if (table.equals("queue")) want = List.of(want.getFirst().replace("99999999999999|old-node", "0|"));
                assertTrue(!want.isEmpty(), table + " has a row to copy");
                assertEquals(want, rows(dst, select + where + order), table);
                if (table.equals("tls_report_received")) {
                    assertEquals(rows(src, "SELECT rowid FROM " + table), rows(dst, "SELECT id FROM " + table));
                }
            }
        }
    }

    @Test
    void anInterruptedMigrationResumesSkippingWhatArrivedAndEveryRowArrivesOnce() throws Exception {
        Assumptions.assumeTrue(TestPostgres.available(), TestPostgres.WHY_MISSING);
        TestPostgres.Database db = TestPostgres.get().newDatabase();
        MigrateFixture.Installations at = MigrateFixture.embeddedRowsAndPostgres(dir, db, ROWS);
        Path oldCfg = at.oldConfig(), newCfg = at.newConfig(), data = at.oldData();
        String[] r = MigrateFixture.cli("", "migrate", "--resume", "--from", oldCfg.toString(), "--config", newCfg.toString());
        assertEquals(List.of("1", "tegami: --resume: the target database has no Tegami schema, so nothing to resume: run"
                + " without --resume\n"), List.of(r[0], r[2]));
        // one row per batch, stopped after 10 (as a kill would): blobs, domains, ... and one of the two mailboxes
        System.setProperty("tegami.migrate.failAfterBatches", "10");
        System.setProperty("tegami.migrate.batchRows", "1");
        try {
            r = MigrateFixture.cli("", "migrate", "--from", oldCfg.toString(), "--config", newCfg.toString());
        } finally {
            System.clearProperty("tegami.migrate.failAfterBatches");
            System.clearProperty("tegami.migrate.batchRows");
        }
        assertEquals("1", r[0], r[1]);
        assertEquals("tegami: migration failed: stopped after 10 batches (tegami.migrate.failAfterBatches) (the target"
                + " database is partial: run the same command again with --resume to continue)\n", r[2]);
        try (Connection dst = DriverManager.getConnection(db.url(), db.user(), db.password())) {
            assertEquals(List.of("1"), rows(dst, "SELECT count(*) FROM mailboxes"), "one mailbox of two");
            assertEquals(List.of("0"), rows(dst, "SELECT count(*) FROM messages"));
        }
        r = MigrateFixture.cli("", "migrate", "--resume", "--from", oldCfg.toString(), "--config", newCfg.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("\nmigrate: mailboxes 2/2\n"), r[1]);
        assertTrue(r[1].contains("\nmigrate: verified: row counts of 30 tables, "), r[1]);
        assertTrue(r[1].contains("; 6 rows and blobs were there already\n"), "blob, domain, account, alias, quota, mailbox: " + r[1]);
        everyRowArrived(data, db);
        try (Store s = Stores.open(ConfigLoader.load(newCfg), InstantSource.system(), l -> { })) {
            var bob = s.accounts().addUser(EmailAddress.parse("bob@example.test").orElseThrow(), "$argon2id$y");
            assertEquals(21, bob.id().value(), "the counters were set once everything arrived");
        }
        r = MigrateFixture.cli("", "migrate", "--resume", "--from", oldCfg.toString(), "--config", newCfg.toString());
        assertEquals("1", r[0], "a finished target has more than the source now (bob): " + r[1]);
        assertTrue(r[2].startsWith("tegami: verification failed: accounts has 2 rows in the target, 1 in the source"), r[2]);
    }

    private static List<String> tables(Connection c) throws Exception {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    private static List<String> columns(Connection c, String table) throws Exception {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA table_info(" + table + ")")) {
            while (rs.next()) out.add(rs.getString("name"));
        }
        return out;
    }

    /** Rows as "a|b|c", bytes in hex, NULL as "NULL". */
    static List<String> rows(Connection c, String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> v = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    Object o = rs.getObject(i);
                    v.add(o == null ? "NULL" : o instanceof byte[] b ? "x" + HexFormat.of().formatHex(b) : o.toString());
                }
                out.add(String.join("|", v));
            }
        }
        return out;
    }
}
