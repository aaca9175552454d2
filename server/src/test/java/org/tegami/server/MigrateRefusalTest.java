package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.core.TegamiException;
import org.tegami.server.config.ConfigLoader;

/**
 * What {@code tegami migrate} and {@code tegami backup} refuse, and the lock between a server and a migration, also
 * across processes (a server in its own JVM); none of it needs PostgreSQL.
 */
class MigrateRefusalTest {
    @TempDir
    Path dir;

    private static final String PG = "[store]\nkind = \"postgresql\"\nurl = \"jdbc:postgresql://127.0.0.1:1/none\"\n";

    private Path config(String name, String extra) throws Exception {
        return TestConfigs.write(Files.createDirectories(dir.resolve(name)), Set.of("smtp"), extra);
    }

    @Test
    void wrongKindsOfStoreAreRefusedNamingTheFix() throws Exception {
        Path embedded = config("old", "");
        Path pg = config("new", PG);
        String[] r = MigrateFixture.cli("", "migrate", "--from", embedded.toString(), "--config", embedded.toString());
        assertEquals("1", r[0]);
        assertEquals("tegami: --from " + embedded + " and --config both name embedded stores; tegami migrate moves"
                + " between embedded and PostgreSQL: --config's [store] must be kind = \"postgresql\" (the store to"
                + " migrate into); to move an embedded store, use tegami backup and restore\n", r[2]);
        r = MigrateFixture.cli("", "migrate", "--from", pg.toString(), "--config", pg.toString());
        assertEquals("1", r[0]);
        assertEquals("tegami: --from " + pg + " and --config both name PostgreSQL stores; tegami migrate moves between"
                + " embedded and PostgreSQL (use pg_dump to move a PostgreSQL database)\n", r[2]);
        r = MigrateFixture.cli("", "migrate", "--from", embedded.toString(), "--config", pg.toString());
        assertEquals("1", r[0]);
        assertEquals("tegami: --from " + embedded + ": " + dir.resolve("old/d") + " holds no Tegami data (no meta.db)\n", r[2]);
        r = MigrateFixture.cli("", "migrate", "--config", pg.toString());
        assertEquals("2", r[0], "--from is required");
        assertTrue(r[2].startsWith("Missing required option: '--from=FILE'"), r[2]);
        r = MigrateFixture.cli("", "migrate", "--help");
        assertEquals("0", r[0]);
        assertTrue(r[1].contains("--dry-run") && r[1].contains("--from=FILE") && r[1].contains("--resume")
                && r[1].contains("--force"), r[1]);
    }

    @Test
    void backupOnPostgresqlSaysWhatToDoInstead() throws Exception {
        Path pg = config("pg", PG);
        String[] r = MigrateFixture.cli("", "backup", dir.resolve("b").toString(), "--config", pg.toString());
        assertEquals("1", r[0]);
        assertEquals("tegami: tegami backup works on the embedded store only; with [store] kind = \"postgresql\" back up"
                + " the database with pg_dump (restore with pg_restore; or PostgreSQL's own continuous archiving) and the"
                + " large blobs with it: copy data_dir/objects after the dump, plus data_dir's keys (dkim/, tls/, acme/,"
                + " srs.key, fetch.key)\n", r[2]);
        Path s3 = config("s3", PG + "[blobs]\nkind = \"s3\"\nendpoint = \"http://127.0.0.1:1\"\nbucket = \"backups\"\n"
                + "region = \"us-east-1\"\naccess_key = \"a\"\nsecret_key = \"s\"\npath_style = true\n");
        r = MigrateFixture.cli("", "backup", dir.resolve("b").toString(), "--config", s3.toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains(" and the large blobs with it: turn on the bucket's versioning or replication ([blobs]"
                + " kind = \"s3\"), plus data_dir's keys"), r[2]);
        assertTrue(!Files.exists(dir.resolve("b")), "nothing written");
    }

    @Test
    void aServerDoesNotStartWhileMigrateHoldsTheDataDirectory() throws Exception {
        Path cfg = config("old", "");
        Path data = dir.resolve("old/d");
        try (DataDirLock lock = DataDirLock.exclusive(data, "busy")) {
            String e = assertThrows(TegamiException.class, () -> TegamiServer.start(ConfigLoader.load(cfg), InstantSource.system()))
                    .getMessage();
            assertEquals("the data directory " + data + " is locked by `tegami migrate`: wait for it to finish (then"
                    + " start the server on the migrated config)", e);
            assertEquals("busy", assertThrows(TegamiException.class, () -> DataDirLock.exclusive(data, "busy")).getMessage());
        }
        try (TegamiServer a = TegamiServer.start(ConfigLoader.load(cfg), InstantSource.system());
             TegamiServer b = TegamiServer.start(ConfigLoader.load(cfg), InstantSource.system())) {
            a.close(); // the other server of this JVM still holds the directory
            assertEquals("held", assertThrows(TegamiException.class, () -> DataDirLock.exclusive(data, "held")).getMessage());
        }
        DataDirLock.exclusive(data, "free again").close();
    }

    @Test
    void migrateRefusesWhileAServerProcessRuns() throws Exception {
        int port = ServerProcess.freePort();
        Path work = Files.createDirectories(dir.resolve("p"));
        Path cfg = work.resolve("tegami.toml");
        Files.writeString(cfg, "hostname = \"mail.example.test\"\ndata_dir = \"data\"\n[listen]\nsmtp = [\"127.0.0.1:" + port
                + "\"]\nsubmission = []\nsubmissions = []\n");
        Path pg = config("new", PG);
        Process server = ServerProcess.cli(work, cfg, null, "serve");
        try {
            ServerProcess.awaitGreeting(port, server);
            String[] r = MigrateFixture.cli("", "migrate", "--from", cfg.toString(), "--config", pg.toString());
            assertEquals("1", r[0]);
            Path data = work.resolve("data");
            assertEquals("tegami: a server or another tegami command is using " + data + " (it holds "
                    + data.resolve("server.lock") + "): stop it before migrating, so no change arrives that the copy"
                    + " would miss\n", r[2]);
        } finally {
            server.destroyForcibly().waitFor();
        }
        // killed: the operating system released its lock; the refusal now is about the target
        String[] r = MigrateFixture.cli("", "migrate", "--from", cfg.toString(), "--config", pg.toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].startsWith("tegami: migration failed: "), r[2]);
    }

    @Test
    void adminCommandsAndAMigrationExcludeEachOtherAlsoAcrossProcesses() throws Exception {
        Path cfg = config("old", "");
        Path pg = config("new", PG);
        Path data = dir.resolve("old/d");
        assertEquals("0", MigrateFixture.cli("", "domain", "add", "example.test", "--config", cfg.toString())[0]);
        String refusal = "tegami: the data directory " + data + " is locked by `tegami migrate` (it is being copied to"
                + " another store, and a change now would be missed by the copy): wait for the migration to finish, then"
                + " run this command against the migrated config\n";
        // tegami migrate holds the directory exclusively: every command that opens the store refuses, naming it
        try (DataDirLock migrating = DataDirLock.exclusive(data, "migrating")) {
            String[] r = MigrateFixture.cli("", "domain", "add", "other.test", "--config", cfg.toString());
            assertEquals("1", r[0]);
            assertEquals(refusal, r[2]);
            r = MigrateFixture.cli("secret-password\n", "user", "add", "al@example.test", "--password-stdin", "--config", cfg.toString());
            assertEquals(List.of("1", refusal), List.of(r[0], r[2]));
            // and from another process, where the operating system's lock is what refuses
            Path work = Files.createDirectories(dir.resolve("p"));
            Process p = ServerProcess.cli(work, cfg, null, "domain", "add", "third.test");
            assertEquals(1, p.waitFor());
            String log;
            try (var logs = Files.list(work)) {
                log = Files.readString(logs.filter(f -> f.getFileName().toString().startsWith("process-")).findFirst().orElseThrow());
            }
            assertTrue(log.contains(refusal), log);
        }
        // an admin command holds the directory shared while its store is open: tegami migrate refuses meanwhile
        try (DataDirLock admin = DataDirLock.admin(data)) {
            String[] r = MigrateFixture.cli("", "migrate", "--from", cfg.toString(), "--config", pg.toString());
            assertEquals("1", r[0]);
            assertEquals("tegami: a server or another tegami command is using " + data + " (it holds "
                    + data.resolve("server.lock") + "): stop it before migrating, so no change arrives that the copy"
                    + " would miss\n", r[2]);
            String[] listed = MigrateFixture.cli("", "domain", "list", "--config", cfg.toString());
            assertEquals("0", listed[0], "admin commands share the directory with each other: " + listed[2]);
        }
        String[] listed = MigrateFixture.cli("", "domain", "list", "--config", cfg.toString());
        assertEquals(List.of("0", "example.test\n"), List.of(listed[0], listed[1]), "nothing was written while refused");
        DataDirLock.exclusive(data, "every admin command released it").close();
    }
}
