package org.tegami.server.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.tegami.core.PrivateFiles;
import org.tegami.core.TegamiException;
import org.tegami.server.DataDirLock;
import org.tegami.server.Stores;
import org.tegami.server.config.ConfigLoader;
import org.tegami.server.config.StoreSettings;
import org.tegami.server.config.TegamiConfig;
import org.tegami.server.migrate.StoreMigration;
import org.tegami.store.ObjectStorage;
import org.tegami.store.embedded.Upgrade;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tegami migrate --from OLD.toml --config NEW.toml [--dry-run]}: an embedded installation (stopped) copied
 * into an empty PostgreSQL database and the new config's blob storage (files or S3), with the data directory's keys
 * (DKIM, SRS, fetch, TLS) copied into the new data directory. See docs/adr/0025-migrate-embedded-to-postgresql.md.
 */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = {"Move an embedded installation (the server stopped) to PostgreSQL: every account, mailbox,",
                "message (same UIDVALIDITY, UIDs, mod-sequences, flags), script, ACL, queue entry and report",
                "copied from the store --from names into the empty database and blob storage --config names,",
                "then verified. An interrupted migration leaves a partial database: drop and re-create it, then",
                "run again."})
public final class MigrateCommand implements Runnable {
    @Mixin Cli.ConfigOption config;

    @Option(names = "--from", required = true, paramLabel = "FILE",
            description = "The old configuration file; its [store] must be embedded.")
    Path from;

    @Option(names = "--dry-run", description = "Check both sides and count what would be copied; change nothing.")
    boolean dryRun;

    /** The data directory's files that are not the store: keys and TLS material go along, the rest stays. */
    private static final Set<String> NOT_COPIED = Set.of("meta.db", "meta.db-wal", "meta.db-shm", "blobs", "tmp",
            "objects", Upgrade.BACKUPS, DataDirLock.FILE);

    @Override
    public void run() {
        PrintStream out = System.out;
        TegamiConfig old = ConfigLoader.load(from, true);
        TegamiConfig target = config.load();
        if (!(old.store() instanceof StoreSettings.Embedded)) {
            throw new TegamiException("--from " + from + ": its [store] is not embedded; tegami migrate moves an embedded"
                    + " store to PostgreSQL (use pg_dump to move a PostgreSQL database)");
        }
        if (!(target.store() instanceof StoreSettings.Postgres pg)) {
            throw new TegamiException("--config: its [store] must be kind = \"postgresql\" (the store to migrate into)");
        }
        Path data = old.dataDir();
        if (!Files.isRegularFile(data.resolve("meta.db"))) {
            throw new TegamiException("--from " + from + ": " + data + " holds no Tegami data (no meta.db)");
        }
        try (DataDirLock lock = DataDirLock.exclusive(data, "a server is running on " + data + " (it holds "
                + data.resolve(DataDirLock.FILE) + "): stop it before migrating, so no mail arrives that the copy would miss")) {
            int have = Upgrade.dataVersion(data).orElse(0);
            if (have != Upgrade.codeVersion()) {
                throw new TegamiException(data + " has schema v" + have + ", this Tegami v" + Upgrade.codeVersion()
                        + (have < Upgrade.codeVersion() ? ": run `tegami upgrade --config " + from + "` first"
                        : ": migrate with the Tegami version that wrote it"));
            }
            migrate(old, target, pg, out);
        } catch (SQLException | IOException e) {
            throw new TegamiException("migration failed: " + e.getMessage() + (copying
                    ? " (the target is partial: drop and re-create the database before running again)" : ""));
        } catch (TegamiException e) {
            if (!copying) throw e;
            throw new TegamiException(e.getMessage() + " (the target is partial: drop and re-create the database"
                    + " before running again)");
        }
    }

    /** Whether rows may have been written to the target, so a failure leaves it partial. */
    private boolean copying;

    private void migrate(TegamiConfig old, TegamiConfig target, StoreSettings.Postgres pg, PrintStream out)
            throws SQLException, IOException {
        Path meta = old.dataDir().resolve("meta.db");
        try (Connection src = DriverManager.getConnection("jdbc:sqlite:" + meta)) {
            try (Statement s = src.createStatement()) {
                s.execute("PRAGMA busy_timeout=30000");
            }
            src.setAutoCommit(false); // one read snapshot for the whole copy
            boolean schema = hasSchema(pg);
            if (!dryRun && !schema) {
                // the target's schema, created as a node would create it
                try (var store = Stores.open(target, InstantSource.system(), out::println)) {
                    schema = true;
                }
            }
            Properties p = new Properties();
            p.setProperty("user", pg.user());
            p.setProperty("password", pg.password());
            p.setProperty("reWriteBatchedInserts", "true");
            try (Connection dst = DriverManager.getConnection(pg.url(), p)) {
                dst.setAutoCommit(false);
                if (schema) {
                    Map<String, Long> rows = StoreMigration.targetRows(dst);
                    if (!rows.isEmpty()) throw new TegamiException(StoreMigration.notEmpty(rows));
                }
                var plan = new StoreMigration(src, dst, null, null, l -> { }).plan(schema);
                long total = plan.values().stream().mapToLong(Long::longValue).sum();
                out.println("migrate: from " + old.dataDir().toAbsolutePath() + " (embedded, schema v" + Upgrade.codeVersion()
                        + ", blobs " + Stores.blobsDescription(old) + ") to " + pg.url() + " (blobs "
                        + Stores.blobsDescription(target) + "): " + String.format(java.util.Locale.ROOT, "%,d", total) + " rows");
                for (var e : plan.entrySet()) {
                    if (e.getValue() > 0) out.println(String.format(java.util.Locale.ROOT, "migrate:   %s %,d", e.getKey(), e.getValue()));
                }
                if (dryRun) {
                    out.println("migrate: dry run: the target is " + (schema ? "empty" : "a database without Tegami's"
                            + " schema (created when migrating)") + "; nothing changed");
                    return;
                }
                try (ObjectStorage srcObjects = Stores.objects(old); ObjectStorage dstObjects = Stores.objects(target)) {
                    var m = new StoreMigration(src, dst, srcObjects, dstObjects, l -> out.println("migrate: " + l));
                    copying = true;
                    var report = m.run(plan);
                    long keys = copyKeys(old.dataDir(), target.dataDir(), out);
                    out.println("migrate: copied " + String.format(java.util.Locale.ROOT, "%,d", report.rows().values().stream()
                            .mapToLong(Long::longValue).sum()) + " rows, " + report.rows().get("blobs") + " blobs ("
                            + String.format(java.util.Locale.ROOT, "%,d", report.blobBytes()) + " bytes), " + keys + " key file(s)");
                }
            }
        }
        out.println("migrate: done; start the nodes on " + (config.file == null ? "tegami.toml" : config.file) + ", and keep " + old.dataDir()
                + " until you have checked them");
    }

    private static boolean hasSchema(StoreSettings.Postgres pg) throws SQLException {
        try (Connection c = DriverManager.getConnection(pg.url(), pg.user(), pg.password());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT to_regclass('tegami_schema') IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /**
     * The old data directory's other files (DKIM keys, SRS and fetch keys, TLS material) into the new one, unless the
     * two are the same; a file the new one has already stays, and is named when it differs.
     */
    private static long copyKeys(Path fromDir, Path toDir, PrintStream out) throws IOException {
        Path a = fromDir.toAbsolutePath().normalize();
        Path b = toDir.toAbsolutePath().normalize();
        if (a.equals(b)) return 0;
        PrivateFiles.directories(b);
        List<Path> copied = new ArrayList<>();
        Files.walkFileTree(a, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(a) && dir.getParent().equals(a) && NOT_COPIED.contains(dir.getFileName().toString())) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                PrivateFiles.directories(b.resolve(a.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (!attrs.isRegularFile()) return FileVisitResult.CONTINUE;
                if (file.getParent().equals(a) && NOT_COPIED.contains(file.getFileName().toString())) return FileVisitResult.CONTINUE;
                Path dest = b.resolve(a.relativize(file).toString());
                if (Files.exists(dest)) {
                    if (Files.mismatch(file, dest) != -1) out.println("migrate: kept " + dest + " (differs from " + file + ")");
                    return FileVisitResult.CONTINUE;
                }
                Files.copy(file, dest);
                PrivateFiles.restrict(dest);
                copied.add(dest);
                return FileVisitResult.CONTINUE;
            }
        });
        return copied.size();
    }
}
