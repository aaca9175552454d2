package org.tegami.store.embedded;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/** Test fixture: the data directory an older Tegami left, by running only its migrations. */
public final class OldSchema {
    private OldSchema() {}

    /** Creates {@code dataDir/meta.db} at schema {@code version} (WAL, as the store keeps it), with one domain. */
    public static void create(Path dataDir, int version, String domain) throws Exception {
        Files.createDirectories(dataDir);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("meta.db"))) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
            }
            Schema.migrate(c, version);
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO domains(name) VALUES ('" + domain.replace("'", "''") + "')");
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
