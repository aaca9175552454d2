package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.MailboxId;
import org.tegami.store.Store;
import org.tegami.testkit.TestPostgres;

/**
 * {@code tegami migrate} in its own JVM, killed with SIGKILL in the middle of a table; {@code --resume} then finishes
 * the copy, the verification passes, every row is there once, and the store serves the same data.
 */
class MigrateKillTest {
    @TempDir
    Path dir;

    /** Trace lines copied one per batch: enough that the copy is still in this table when it is killed. */
    private static final int LINES = 50_000;

    @Test
    void aKilledMigrationResumesAndTheStoreServesTheSameData() throws Exception {
        Assumptions.assumeTrue(TestPostgres.available(), TestPostgres.WHY_MISSING);
        TestPostgres.Database db = TestPostgres.get().newDatabase();
        MigrateFixture.Installations at = MigrateFixture.embeddedRowsAndPostgres(dir, db, MigrateAllTablesTest.ROWS);
        Path oldCfg = at.oldConfig(), newCfg = at.newConfig(), data = at.oldData();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("meta.db")); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO trace_line(id, time, text) WITH RECURSIVE n(i) AS (SELECT 100 UNION ALL SELECT i + 1"
                    + " FROM n WHERE i < " + (99 + LINES) + ") SELECT i, 1700000000000 + i, 'line ' || i FROM n");
        }

        Process migrate = ServerProcess.cliWith(dir, newCfg, List.of("-Dtegami.migrate.batchRows=1"), null,
                "migrate", "--from", oldCfg.toString());
        long copied = 0;
        try (Connection dst = waitForDatabase(db, migrate)) {
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (copied == 0 && migrate.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
                copied = Long.parseLong(MigrateAllTablesTest.rows(dst, "SELECT count(*) FROM trace_line").getFirst());
            }
            assertTrue(migrate.isAlive(), "still copying when killed");
            migrate.destroyForcibly(); // SIGKILL: no shutdown hook, no rollback beyond the open batch
            migrate.waitFor();
            // a COMMIT the process sent before dying may still be applied: count once its session is gone
            long deadline2 = System.nanoTime() + 30_000_000_000L;
            while (System.nanoTime() < deadline2 && !MigrateAllTablesTest.rows(dst, "SELECT count(*) FROM pg_stat_activity"
                    + " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
                    .equals(List.of("0"))) {
                Thread.sleep(50);
            }
            copied = Long.parseLong(MigrateAllTablesTest.rows(dst, "SELECT count(*) FROM trace_line").getFirst());
        }
        assertTrue(copied > 0 && copied < LINES, "killed inside trace_line: " + copied);
        // the rows ROWS has before trace_line (a blob, 27 rows of 26 tables), and what arrived of trace_line
        long already = 1 + 27 + copied;

        String[] r = MigrateFixture.cli("", "migrate", "--from", oldCfg.toString(), "--config", newCfg.toString());
        assertEquals("1", r[0]);
        // the refusal counts like a person: "1 row", "2 rows", "10,000+ rows" (CI once killed it after one row)
        String count = copied >= 10000 ? "10,000+ rows"
                : String.format(java.util.Locale.ROOT, "%,d %s", copied, copied == 1 ? "row" : "rows");
        assertTrue(r[2].contains("trace_line: " + count + ",") || r[2].contains("trace_line: " + count + ")"), r[2]);
        assertTrue(r[2].contains("run it again with --resume"), r[2]);
        r = MigrateFixture.cli("", "migrate", "--resume", "--from", oldCfg.toString(), "--config", newCfg.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains(String.format(java.util.Locale.ROOT, "\nmigrate: trace_line %,d/%,d\n", LINES + 1, LINES + 1)), r[1]);
        assertTrue(r[1].contains("\nmigrate: verified: row counts of 30 tables, "), r[1]);
        assertTrue(r[1].contains(String.format(java.util.Locale.ROOT, "; %,d rows and blobs were there already\n", already)), r[1]);
        MigrateAllTablesTest.everyRowArrived(data, db);

        try (Store s = Stores.open(ConfigLoader.load(newCfg), InstantSource.system(), l -> { })) {
            var meta = s.mail().messages(new MailboxId(40)).getFirst();
            try (InputStream in = s.blobs().open(meta.blob())) {
                assertEquals("hello", new String(in.readAllBytes(), StandardCharsets.US_ASCII));
            }
            assertEquals("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", meta.blob().hex());
            assertEquals(Set.of("\\Seen", "$Label1"), meta.flags());
            assertEquals(11, meta.uid().value());
        }
    }

    /** A connection to the target once the migrating process has created its schema. */
    private static Connection waitForDatabase(TestPostgres.Database db, Process migrate) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline && migrate.isAlive()) {
            Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
            try (Statement s = c.createStatement(); var rs = s.executeQuery("SELECT to_regclass('trace_line') IS NOT NULL")) {
                rs.next();
                if (rs.getBoolean(1)) return c;
            }
            c.close();
            Thread.sleep(50);
        }
        throw new AssertionError("the migration did not create the schema");
    }
}
