package org.tegami.store.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.core.StoreException;

/** Schema upgrades: the plan, the backup made before, keeping three, and restoring one. */
class UpgradeTest {
    @TempDir Path dir;

    @Test
    void olderDirectoryIsBackedUpBeforeTheUpgradeAndTheBackupRestores() throws Exception {
        Path data = dir.resolve("data");
        int old = Upgrade.codeVersion() - 1;
        OldSchema.create(data, old, "example.test");
        Upgrade.Plan plan = Upgrade.plan(data);
        assertEquals(old, plan.current());
        assertEquals(Upgrade.codeVersion(), plan.target());
        assertEquals(1, plan.steps().size());
        assertEquals(Upgrade.codeVersion(), plan.steps().getFirst().version());
        assertFalse(plan.steps().getFirst().description().isBlank());
        assertEquals(old, Upgrade.dataVersion(data).orElseThrow(), "planning changes nothing");

        Path backup = Upgrade.backupBeforeUpgrade(data, Instant.parse("2026-12-06T21:00:00Z"), p -> { }).orElseThrow();
        assertEquals(data.resolve("backups/pre-v" + Upgrade.codeVersion() + "-20261206T210000Z"), backup);
        try (EmbeddedStore s = EmbeddedStore.open(data, InstantSource.system())) {
            assertTrue(s.accounts().isLocalDomain("example.test"));
        }
        assertEquals(Upgrade.codeVersion(), Upgrade.dataVersion(data).orElseThrow());
        assertTrue(Upgrade.backupBeforeUpgrade(data, Instant.now(), p -> { }).isEmpty(), "no backup when up to date");

        // The backup is the old directory: restored elsewhere it has the old schema and the data.
        Path restored = dir.resolve("restored");
        Backup.restore(backup, restored, p -> { });
        assertEquals(old, Upgrade.dataVersion(restored).orElseThrow());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + restored.resolve("meta.db"));
             Statement s = c.createStatement(); var rs = s.executeQuery("SELECT name FROM domains")) {
            assertTrue(rs.next());
            assertEquals("example.test", rs.getString(1));
        }
        assertFalse(Files.exists(restored.resolve("backups")), "backups are not backed up");
    }

    @Test
    void onlyTheNewestThreeBackupsAreKept() throws Exception {
        Path data = dir.resolve("data");
        for (int i = 0; i < 5; i++) {
            Files.deleteIfExists(data.resolve("meta.db-wal"));
            Files.deleteIfExists(data.resolve("meta.db-shm"));
            Files.deleteIfExists(data.resolve("meta.db"));
            OldSchema.create(data, Upgrade.codeVersion() - 1, "example.test");
            Upgrade.backupBeforeUpgrade(data, Instant.parse("2026-12-0" + (i + 1) + "T00:00:00Z"), p -> { }).orElseThrow();
        }
        try (Stream<Path> s = Files.list(data.resolve("backups"))) {
            assertEquals(List.of("pre-v%d-20261203T000000Z", "pre-v%d-20261204T000000Z", "pre-v%d-20261205T000000Z").stream()
                    .map(f -> f.formatted(Upgrade.codeVersion())).toList(), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void newerSchemaIsRefusedNamingBothVersions() throws Exception {
        Path data = dir.resolve("data");
        OldSchema.create(data, Upgrade.codeVersion(), "example.test");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("meta.db"));
             Statement s = c.createStatement()) {
            s.execute("PRAGMA user_version=" + (Upgrade.codeVersion() + 1));
        }
        var e = assertThrows(StoreException.class, () -> Upgrade.plan(data));
        assertTrue(e.getMessage().contains("written by a newer Tegami (schema " + (Upgrade.codeVersion() + 1)
                + ", this version knows " + Upgrade.codeVersion() + ")"), e.getMessage());
        var open = assertThrows(StoreException.class, () -> EmbeddedStore.open(data, InstantSource.system()));
        assertTrue(open.getMessage().contains("newer Tegami"), open.getMessage());
    }

    @Test
    void migrationsAreDescribedByTheirStatements() {
        assertEquals("CREATE TABLE t; ALTER TABLE u ADD COLUMN v INTEGER; CREATE INDEX i ON t",
                Upgrade.describe("CREATE TABLE t(\n a INTEGER);\nALTER TABLE u ADD COLUMN v INTEGER;\n-- why\nCREATE INDEX i ON t(a);\n"));
    }
}
