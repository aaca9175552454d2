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
import org.tegami.server.migrate.MigrateLock;
import org.tegami.server.migrate.StoreMigration;
import org.tegami.store.ObjectStorage;
import org.tegami.store.embedded.Upgrade;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tegami migrate --from OLD.toml --config NEW.toml [--dry-run] [--resume] [--force]}: an embedded installation
 * (stopped) copied into an empty PostgreSQL database and the new config's blob storage (files or S3), or a PostgreSQL
 * one (every node stopped) into an empty embedded store; the data directory's keys (DKIM, SRS, fetch, TLS) copied into
 * the new data directory. See docs/adr/0025-migrate-embedded-to-postgresql.md and docs/adr/0027-migrate-both-ways.md.
 */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = {"Move an embedded installation (the server stopped) to PostgreSQL, or a PostgreSQL one (every",
                "node stopped) to embedded: every account, mailbox, message (same UIDVALIDITY, UIDs,",
                "mod-sequences, flags), script, ACL, queue entry and report copied from the store --from names",
                "into the empty store and blob storage --config names, then verified. An interrupted migration",
                "leaves a partial target: run the same command again with --resume to continue."})
public final class MigrateCommand implements Runnable {
    @Mixin Cli.ConfigOption config;

    @Option(names = "--from", required = true, paramLabel = "FILE",
            description = "The old configuration file: an embedded store, or a PostgreSQL one.")
    Path from;

    @Option(names = "--dry-run", description = "Check both sides and count what would be copied; change nothing.")
    boolean dryRun;

    @Option(names = "--resume", description = "Continue an interrupted migration into the partial target: rows and"
            + " blobs already there (hash-checked) are skipped, then everything is verified.")
    boolean resume;

    @Option(names = "--force", description = "From PostgreSQL: copy although other sessions are connected to the"
            + " database (a write after the copy's snapshot is then lost, and one during it fails the verification).")
    boolean force;

    /** The data directory's files that are not the store: keys and TLS material go along, the rest stays. */
    private static final Set<String> NOT_COPIED = Set.of("meta.db", "meta.db-wal", "meta.db-shm", "blobs", "tmp",
            "objects", Upgrade.BACKUPS, DataDirLock.FILE);

    /** The migration lock, as refusals name it. */
    private static final String LOCK = "the migration lock, PostgreSQL advisory lock " + MigrateLock.KEY;

    /** How long sessions of nodes just stopped may take to leave pg_stat_activity. */
    private static final long SESSIONS_GRACE_NANOS = 10_000_000_000L;

    @Override
    public void run() {
        PrintStream out = System.out;
        TegamiConfig old = ConfigLoader.load(from, true);
        TegamiConfig target = config.load();
        boolean toPg = target.store() instanceof StoreSettings.Postgres;
        if (old.store() instanceof StoreSettings.Postgres oldPg) {
            if (toPg) {
                throw new TegamiException("--from " + from + " and --config both name PostgreSQL stores; tegami migrate"
                        + " moves between embedded and PostgreSQL (use pg_dump to move a PostgreSQL database)");
            }
            String what = target.dataDir() + "/meta.db";
            guard(what, () -> {
                try (DataDirLock lock = DataDirLock.exclusive(target.dataDir(), "a server or another tegami command is"
                        + " using " + target.dataDir() + " (it holds " + target.dataDir().resolve(DataDirLock.FILE)
                        + "): stop it; tegami migrate writes the new embedded store there")) {
                    toEmbedded(old, oldPg, target, out);
                }
            });
            return;
        }
        if (!toPg) {
            throw new TegamiException("--from " + from + " and --config both name embedded stores; tegami migrate moves"
                    + " between embedded and PostgreSQL: --config's [store] must be kind = \"postgresql\" (the store to"
                    + " migrate into); to move an embedded store, use tegami backup and restore");
        }
        StoreSettings.Postgres pg = (StoreSettings.Postgres) target.store();
        Path data = old.dataDir();
        if (!Files.isRegularFile(data.resolve("meta.db"))) {
            throw new TegamiException("--from " + from + ": " + data + " holds no Tegami data (no meta.db)");
        }
        guard("database", () -> {
            try (DataDirLock lock = DataDirLock.exclusive(data, "a server or another tegami command is using " + data
                    + " (it holds " + data.resolve(DataDirLock.FILE) + "): stop it before migrating, so no change"
                    + " arrives that the copy would miss")) {
                int have = Upgrade.dataVersion(data).orElse(0);
                if (have != Upgrade.codeVersion()) {
                    throw new TegamiException(data + " has schema v" + have + ", this Tegami v" + Upgrade.codeVersion()
                            + (have < Upgrade.codeVersion() ? ": run `tegami upgrade --config " + from + "` first"
                            : ": migrate with the Tegami version that wrote it"));
                }
                toPostgres(old, target, pg, out);
            }
        });
    }

    private interface Step {
        void run() throws SQLException, IOException;
    }

    /** Whether rows may have been written to the target, so a failure leaves it partial. */
    private boolean copying;

    private void guard(String target, Step step) {
        String partial = " (the target " + target + " is partial: run the same command again with --resume to continue)";
        try {
            step.run();
        } catch (SQLException | IOException e) {
            throw new TegamiException("migration failed: " + e.getMessage() + (copying ? partial : ""));
        } catch (TegamiException e) {
            if (!copying) throw e;
            throw new TegamiException(e.getMessage() + partial);
        }
    }

    private static Properties pgProperties(StoreSettings.Postgres pg, String applicationName) {
        Properties p = new Properties();
        p.setProperty("ApplicationName", applicationName); // how an admin command refused names this migration
        p.setProperty("user", pg.user());
        p.setProperty("password", pg.password());
        p.setProperty("reWriteBatchedInserts", "true");
        return p;
    }

    private void toPostgres(TegamiConfig old, TegamiConfig target, StoreSettings.Postgres pg, PrintStream out)
            throws SQLException, IOException {
        Path meta = old.dataDir().resolve("meta.db");
        try (Connection src = DriverManager.getConnection("jdbc:sqlite:" + meta)) {
            try (Statement s = src.createStatement()) {
                s.execute("PRAGMA busy_timeout=30000");
            }
            src.setAutoCommit(false); // one read snapshot for the whole copy
            try (Connection dst = DriverManager.getConnection(pg.url(), pgProperties(pg, MigrateLock.INTO))) {
                // held until dst closes: servers and admin commands of every node refuse meanwhile
                if (!MigrateLock.tryExclusive(dst)) {
                    throw new TegamiException("a server or another tegami command is using " + pg.url() + " (it holds "
                            + LOCK + " shared): stop it; tegami migrate writes the new store there");
                }
                boolean schema = hasSchema(dst);
                if (resume && !schema) {
                    throw new TegamiException("--resume: the target database has no Tegami schema, so nothing to resume:"
                            + " run without --resume");
                }
                if (!dryRun && !schema) {
                    // the target's schema, created as a node would create it
                    try (var store = Stores.open(target, InstantSource.system(), out::println)) {
                        schema = true;
                    }
                }
                dst.setAutoCommit(false);
                if (schema && !resume) {
                    Map<String, Long> rows = StoreMigration.targetRows(dst);
                    if (!rows.isEmpty()) throw new TegamiException(StoreMigration.notEmpty(rows, "database"));
                }
                copy(src, dst, false, old, target, old.dataDir().toAbsolutePath() + " (embedded, schema v"
                        + Upgrade.codeVersion() + ", blobs " + Stores.blobsDescription(old) + ")", pg.url() + " (blobs "
                        + Stores.blobsDescription(target) + ")", schema ? "empty" : "a database without Tegami's"
                        + " schema (created when migrating)", out);
            }
        }
    }

    private void toEmbedded(TegamiConfig old, StoreSettings.Postgres pg, TegamiConfig target, PrintStream out)
            throws SQLException, IOException {
        try (Connection src = DriverManager.getConnection(pg.url(), pgProperties(pg, MigrateLock.FROM))) {
            src.setAutoCommit(false);
            src.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ); // one snapshot for the whole copy
            src.setReadOnly(true);
            try (Statement s = src.createStatement();
                 ResultSet rs = s.executeQuery("SELECT to_regclass('tegami_schema') IS NOT NULL")) {
                rs.next();
                if (!rs.getBoolean(1)) throw new TegamiException("--from " + from + ": " + pg.url() + " holds no Tegami data");
            }
            int have;
            try (Statement s = src.createStatement(); ResultSet rs = s.executeQuery("SELECT max(version) FROM tegami_schema")) {
                rs.next();
                have = rs.getInt(1);
            }
            int want = org.tegami.store.postgres.PostgresStore.schemaVersion();
            if (have != want) {
                throw new TegamiException(pg.url() + " has schema v" + have + ", this Tegami v" + want + (have < want
                        ? ": start one node of this version on it first (it upgrades the schema), stop it, then migrate"
                        : ": migrate with the Tegami version that wrote it"));
            }
            src.commit();
            refuseLiveSessions(src, pg, out);
            Path data = target.dataDir();
            Path meta = data.resolve("meta.db");
            boolean exists = Files.isRegularFile(meta);
            if (resume && !exists) {
                throw new TegamiException("--resume: " + data + " holds no Tegami data, so nothing to resume: run"
                        + " without --resume");
            }
            if (!dryRun && !exists) {
                // the target's schema, created as a server would create it
                try (var store = Stores.open(target, InstantSource.system(), out::println)) {
                    exists = true;
                }
            }
            if (exists && Upgrade.dataVersion(data).orElse(0) != Upgrade.codeVersion()) {
                throw new TegamiException(data + " has schema v" + Upgrade.dataVersion(data).orElse(0) + ", this Tegami v"
                        + Upgrade.codeVersion() + ": migrate into an empty data directory");
            }
            if (dryRun && !exists) {
                // nothing to open: the plan reads only the source (columns are checked when migrating)
                copy(src, null, true, old, target, describe(pg, old), data.toAbsolutePath() + " (embedded, blobs "
                        + Stores.blobsDescription(target) + ")", "a data directory without Tegami's store (created"
                        + " when migrating)", out);
                return;
            }
            try (Connection dst = DriverManager.getConnection("jdbc:sqlite:" + meta)) {
                try (Statement s = dst.createStatement()) {
                    s.execute("PRAGMA busy_timeout=30000");
                }
                dst.setAutoCommit(false);
                if (!resume) {
                    Map<String, Long> rows = StoreMigration.targetRows(dst);
                    if (!rows.isEmpty()) throw new TegamiException(StoreMigration.notEmpty(rows, "data directory " + data));
                }
                copy(src, dst, true, old, target, describe(pg, old), data.toAbsolutePath() + " (embedded, schema v"
                        + Upgrade.codeVersion() + ", blobs " + Stores.blobsDescription(target) + ")", "empty", out);
            }
        }
    }

    private static String describe(StoreSettings.Postgres pg, TegamiConfig old) {
        return pg.url() + " (PostgreSQL, schema v" + org.tegami.store.postgres.PostgresStore.schemaVersion() + ", blobs "
                + Stores.blobsDescription(old) + ")";
    }

    /**
     * Every node must be stopped: nodes keep pooled connections open while they run, admin commands while they work,
     * so another session on the database means one still runs (sessions of nodes just stopped get a few seconds to
     * go). Refused, naming them, unless --force. Meanwhile src takes the migration lock ({@link MigrateLock}), held
     * until it closes, so no server or admin command of any node starts using the database during the copy; nodes
     * and commands of this version hold it shared while they run, so it is free once their sessions are gone.
     */
    private void refuseLiveSessions(Connection src, StoreSettings.Postgres pg, PrintStream out) throws SQLException {
        long deadline = System.nanoTime() + SESSIONS_GRACE_NANOS;
        boolean locked = false;
        while (true) {
            if (!locked) locked = MigrateLock.tryExclusive(src);
            List<String> who = new ArrayList<>();
            try (Statement s = src.createStatement(); ResultSet rs = s.executeQuery("SELECT COALESCE(NULLIF("
                    + "application_name, ''), 'a session') || ' from ' || COALESCE(host(client_addr), 'a local socket')"
                    + " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    + " AND backend_type = 'client backend' ORDER BY 1")) {
                while (rs.next()) who.add(rs.getString(1));
            }
            src.commit();
            if (who.isEmpty() && locked) return;
            if (force && !who.isEmpty()) {
                out.println("migrate: --force: copying although " + who.size() + " other session(s) are connected ("
                        + String.join(", ", who) + "): a change they make during the copy fails its verification, one after it"
                        + " is not copied");
                if (!locked) {
                    out.println("migrate: --force: copying without " + LOCK + " (a server or tegami command holds it"
                            + " shared): admin commands of other nodes are not kept out");
                }
                return;
            }
            if (System.nanoTime() > deadline && who.isEmpty()) {
                // a session came and went between the two looks, every time: one holds the lock
                throw new TegamiException("a server or another tegami command is using " + pg.url() + " (it holds "
                        + LOCK + " shared): stop it before migrating, so no change arrives that the copy would miss");
            }
            if (System.nanoTime() > deadline) {
                throw new TegamiException(who.size() + " other session(s) are connected to " + pg.url() + " ("
                        + String.join(", ", who) + "): stop every node and admin command using it before migrating,"
                        + " so no change arrives that the copy would miss (--force copies anyway)");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TegamiException("interrupted");
            }
        }
    }

    private void copy(Connection src, Connection dst, boolean toEmbedded, TegamiConfig old, TegamiConfig target,
                      String fromText, String toText, String dryTarget, PrintStream out) throws SQLException, IOException {
        var plan = new StoreMigration(src, dst, toEmbedded, null, null, l -> { }).plan(!dryTarget.startsWith("a "));
        long total = plan.values().stream().mapToLong(Long::longValue).sum();
        out.println("migrate: from " + fromText + " to " + toText + ": " + String.format(java.util.Locale.ROOT, "%,d", total) + " rows");
        for (var e : plan.entrySet()) {
            if (e.getValue() > 0) out.println(String.format(java.util.Locale.ROOT, "migrate:   %s %,d", e.getKey(), e.getValue()));
        }
        if (dryRun) {
            out.println("migrate: dry run: the target is " + (resume ? "partial (--resume continues it)" : dryTarget)
                    + "; nothing changed");
            return;
        }
        try (ObjectStorage srcObjects = Stores.objects(old); ObjectStorage dstObjects = Stores.objects(target)) {
            var m = new StoreMigration(src, dst, toEmbedded, srcObjects, dstObjects, l -> out.println("migrate: " + l))
                    .resuming(resume);
            copying = true;
            var report = m.run(plan);
            long keys = copyKeys(old.dataDir(), target.dataDir(), out);
            out.println("migrate: copied " + String.format(java.util.Locale.ROOT, "%,d", report.rows().values().stream()
                    .mapToLong(Long::longValue).sum()) + " rows, " + String.format(java.util.Locale.ROOT, "%,d", report.rows().get("blobs")) + " blobs ("
                    + String.format(java.util.Locale.ROOT, "%,d", report.blobBytes()) + " bytes), " + keys + " key file(s)"
                    + (resume ? String.format(java.util.Locale.ROOT, "; %,d rows and blobs were there already", report.skipped()) : ""));
        }
        out.println("migrate: done; start " + (toEmbedded ? "the server" : "the nodes") + " on "
                + (config.file == null ? "tegami.toml" : config.file) + ", and keep " + (toEmbedded ? "the database"
                : old.dataDir()) + " until you have checked " + (toEmbedded ? "it" : "them"));
    }

    private static boolean hasSchema(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
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
