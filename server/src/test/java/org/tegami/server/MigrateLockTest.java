package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.InstantSource;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.core.TegamiException;
import org.tegami.server.config.ConfigLoader;
import org.tegami.server.config.StoreSettings;
import org.tegami.server.migrate.MigrateLock;
import org.tegami.testkit.TestPostgres;

/**
 * The migration lock on PostgreSQL (ADR 0027): while {@code tegami migrate} reads or writes a database, an admin
 * command or a server run with another node's config (another data directory, the same database) refuses, naming the
 * migration; once it is over, the command succeeds. And a migration refuses while a command holds the lock shared.
 */
class MigrateLockTest {
    @TempDir
    Path dir;

    private TestPostgres.Database db;
    private String pgToml;

    @BeforeEach
    void database() {
        Assumptions.assumeTrue(TestPostgres.available(), TestPostgres.WHY_MISSING);
        db = TestPostgres.get().newDatabase();
        pgToml = "[store]\nkind = \"postgresql\"\nurl = \"" + db.url() + "\"\nuser = \"" + db.user() + "\"\npassword = \""
                + db.password() + "\"\n";
    }

    /** A node's config: its own data directory {@code dir/name/d}, the test's database. */
    private Path node(String name) throws Exception {
        return TestConfigs.write(Files.createDirectory(dir.resolve(name)), Set.of(), pgToml);
    }

    /** How the refusal names a migration whose connection has {@code application} as its name. */
    private String holder(String application) throws Exception {
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT backend_start, host(client_addr) FROM pg_stat_activity WHERE"
                     + " datname = current_database() AND application_name = '" + application + "'")) {
            assertTrue(rs.next(), "the migration's session is there");
            return "(started " + rs.getObject(1, OffsetDateTime.class).toInstant().truncatedTo(ChronoUnit.SECONDS)
                    + ", from " + rs.getString(2) + ")";
        }
    }

    /** Whether a session holds the migration lock exclusively, looked at on a connection opened just for that. */
    private boolean migrating() throws Exception {
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                     + " AND mode = 'ExclusiveLock' AND classid::bigint = " + (MigrateLock.KEY >>> 32)
                     + " AND objid::bigint = " + (MigrateLock.KEY & 0xFFFF_FFFFL))) {
            rs.next();
            return rs.getLong(1) > 0;
        }
    }

    @Test
    void aCommandOfAnotherNodeIsRefusedWhileMigrateCopiesTheDatabaseAndSucceedsAfter() throws Exception {
        Path a = node("a");
        Path b = node("b");
        Path target = TestConfigs.write(Files.createDirectory(dir.resolve("new")), Set.of(), "");
        assertEquals(List.of(0, "added domain example.test\n", ""), fields(CliRun.run("", "domain", "add", "example.test", "--config", a.toString())));
        // enough rows, one per batch, that the copy is still running when the other node's command comes
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password()); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO trace_line(time, text) SELECT 1700000000000 + i, 'line ' || i"
                    + " FROM generate_series(1, 6000) AS i");
        }
        Process migrate = ServerProcess.cliWith(dir, target, List.of("-Dtegami.migrate.batchRows=1"), null,
                "migrate", "--from", a.toString());
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!migrating() && migrate.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
            assertTrue(migrate.isAlive(), "still copying");
            String refusal = "tegami: the database " + db.url() + " is locked: a tegami migrate is copying this database"
                    + " to an embedded store " + holder(MigrateLock.FROM) + ", and a change now would be missed by the"
                    + " copy: wait for it to finish, then run this command against the migrated config\n";
            CliRun.Result r = CliRun.run("", "domain", "add", "other.test", "--config", b.toString());
            assertEquals(List.of(1, "", refusal), fields(r));
            r = CliRun.run("secret-password\n", "user", "add", "al@example.test", "--password-stdin", "--config", b.toString());
            assertEquals(List.of(1, "", refusal), fields(r));
            // and a server of that node does not start: it would write into the database being copied
            String e = assertThrows(TegamiException.class, () -> TegamiServer.start(ConfigLoader.load(b), InstantSource.system()))
                    .getMessage();
            assertEquals(refusal.substring("tegami: ".length(), refusal.indexOf(": wait for it"))
                    + ": wait for it to finish, then start the server on the migrated config", e);
            assertTrue(migrate.isAlive(), "the refusals came while the copy ran");
            assertTrue(migrate.waitFor(180, TimeUnit.SECONDS), "the migration finishes");
            assertEquals(0, migrate.exitValue(), "migrated");
        } finally {
            migrate.destroyForcibly().waitFor();
        }
        assertEquals(List.of(0, "added domain other.test\n", ""), fields(CliRun.run("", "domain", "add", "other.test", "--config", b.toString())));
        assertEquals(List.of(0, "example.test\nother.test\n", ""), fields(CliRun.run("", "domain", "list", "--config", a.toString())));
        assertEquals(List.of(0, "example.test\n", ""), fields(CliRun.run("", "domain", "list", "--config", target.toString())),
                "the copy has what the database held when it started, and the refused command wrote nothing");
    }

    @Test
    void aCommandOrServerIsRefusedWhileTheLockIsHeldForACopyIntoTheDatabase() throws Exception {
        Path b = node("b");
        assertEquals(0, CliRun.run("", "domain", "add", "example.test", "--config", b.toString()).exit());
        Properties p = new Properties();
        p.setProperty("user", db.user());
        p.setProperty("password", db.password());
        p.setProperty("ApplicationName", MigrateLock.INTO);
        try (Connection migrating = DriverManager.getConnection(db.url(), p)) {
            assertTrue(MigrateLock.tryExclusive(migrating));
            String refusal = "tegami: the database " + db.url() + " is locked: a tegami migrate is copying an embedded"
                    + " store into this database " + holder(MigrateLock.INTO) + ", and a change now would mix with the"
                    + " copy: wait for it to finish, then run this command again\n";
            assertEquals(List.of(1, "", refusal), fields(CliRun.run("", "domain", "add", "other.test", "--config", b.toString())));
            assertEquals(List.of(1, "", refusal), fields(CliRun.run("", "domain", "list", "--config", b.toString())));
            String e = assertThrows(TegamiException.class, () -> TegamiServer.start(ConfigLoader.load(b), InstantSource.system()))
                    .getMessage();
            assertEquals(refusal.substring("tegami: ".length(), refusal.indexOf(": wait for it"))
                    + ": wait for it to finish, then start the server", e);
        }
        // the migration's session ended, and its lock with it
        assertEquals(List.of(0, "added domain other.test\n", ""), fields(CliRun.run("", "domain", "add", "other.test", "--config", b.toString())));
        assertEquals(List.of(0, "example.test\nother.test\n", ""), fields(CliRun.run("", "domain", "list", "--config", b.toString())));
    }

    @Test
    void migrateRefusesWhileACommandOrServerHoldsTheLockShared() throws Exception {
        MigrateFixture.Installations at = MigrateFixture.embeddedRowsAndPostgres(dir, db, MigrateAllTablesTest.ROWS);
        StoreSettings.Postgres pg = (StoreSettings.Postgres) ConfigLoader.load(at.newConfig()).store();
        String refusal = "tegami: a server or another tegami command is using " + db.url() + " (it holds the migration"
                + " lock, PostgreSQL advisory lock " + MigrateLock.KEY + " shared): stop it; tegami migrate writes the new"
                + " store there\n";
        try (MigrateLock command = MigrateLock.shared(pg, MigrateLock.User.COMMAND);
             MigrateLock other = MigrateLock.shared(pg, MigrateLock.User.SERVER)) {
            CliRun.Result r = CliRun.run("", "migrate", "--from", at.oldConfig().toString(), "--config", at.newConfig().toString());
            assertEquals(List.of(1, "", refusal), fields(r));
            r = CliRun.run("", "migrate", "--dry-run", "--from", at.oldConfig().toString(), "--config", at.newConfig().toString());
            assertEquals(List.of(1, "", refusal), fields(r));
        }
        // a running server (a node of another installation's database here, so that the first stays empty)
        TestPostgres.Database other = TestPostgres.get().newDatabase();
        String otherToml = "[store]\nkind = \"postgresql\"\nurl = \"" + other.url() + "\"\nuser = \"" + other.user()
                + "\"\npassword = \"" + other.password() + "\"\n";
        Path node = TestConfigs.write(Files.createDirectory(dir.resolve("node")), Set.of(), otherToml);
        Path into = TestConfigs.write(Files.createDirectory(dir.resolve("into")), Set.of(), otherToml);
        try (TegamiServer running = TegamiServer.start(ConfigLoader.load(node), InstantSource.system())) {
            CliRun.Result r = CliRun.run("", "migrate", "--from", at.oldConfig().toString(), "--config", into.toString());
            assertEquals(List.of(1, "", refusal.replace(db.url(), other.url())), fields(r));
        }
        CliRun.Result r = CliRun.run("", "migrate", "--from", at.oldConfig().toString(), "--config", at.newConfig().toString());
        assertEquals(0, r.exit(), r.err());
        MigrateAllTablesTest.everyRowArrived(at.oldData(), db);
    }

    @Test
    void forceCopiesOutOfTheDatabaseWithoutTheLockAndSaysSo() throws Exception {
        Path a = node("a");
        Path target = TestConfigs.write(Files.createDirectory(dir.resolve("new")), Set.of(), "");
        assertEquals(0, CliRun.run("", "domain", "add", "example.test", "--config", a.toString()).exit());
        StoreSettings.Postgres pg = (StoreSettings.Postgres) ConfigLoader.load(a).store();
        try (MigrateLock command = MigrateLock.shared(pg, MigrateLock.User.COMMAND)) {
            CliRun.Result r = CliRun.run("", "migrate", "--force", "--dry-run", "--from", a.toString(), "--config", target.toString());
            assertEquals(0, r.exit(), r.err());
            List<String> lines = r.out().lines().toList();
            assertEquals(List.of("migrate: --force: copying although 1 other session(s) are connected (tegami (migration"
                    + " lock, shared) from 127.0.0.1): a change they make during the copy fails its verification, one after"
                    + " it is not copied", "migrate: --force: copying without the migration lock, PostgreSQL advisory lock "
                    + MigrateLock.KEY + " (a server or tegami command holds it shared): admin commands of other nodes are"
                    + " not kept out"), lines.subList(0, 2));
            assertTrue(r.out().endsWith("; nothing changed\n"), r.out());
        }
    }

    @Test
    void aDatabaseThatCannotBeReachedIsReportedByTheStoreAsBefore() throws Exception {
        Path cfg = TestConfigs.write(Files.createDirectory(dir.resolve("x")), Set.of(),
                "[store]\nkind = \"postgresql\"\nurl = \"jdbc:postgresql://127.0.0.1:1/none\"\n");
        CliRun.Result r = CliRun.run("", "domain", "list", "--config", cfg.toString());
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().startsWith("tegami: ") && !r.err().contains("locked"), r.err());
    }

    private static List<Object> fields(CliRun.Result r) {
        return List.of(r.exit(), r.out(), r.err());
    }
}
