package org.tegami.store.embedded;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.tegami.core.StoreException;

/**
 * Schema upgrades of an embedded data directory: what would run, and a backup before it does. Opening the store
 * runs the migrations ({@link EmbeddedStore#open}); callers that open a data directory call
 * {@link #backupBeforeUpgrade} first, so an upgrade that goes wrong can be undone with {@code tegami restore}.
 */
public final class Upgrade {
    /** The directory under the data directory that holds pre-upgrade backups. */
    public static final String BACKUPS = "backups";
    /** Pre-upgrade backups kept; older ones are deleted after a new one is made. */
    public static final int KEEP = 3;
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private Upgrade() {}

    /** One migration: the version it brings the schema to, and what its statements do. */
    public record Step(int version, String description) {}

    /** From the data directory's schema to this code's, and the migrations in between. */
    public record Plan(int current, int target, List<Step> steps) {
        public boolean needed() {
            return current < target;
        }
    }

    /** The schema version this build of Tegami writes. */
    public static int codeVersion() {
        return Schema.latest();
    }

    /** The schema version of {@code dataDir}'s metadata, or empty when it holds none yet. Changes nothing. */
    public static OptionalInt dataVersion(Path dataDir) {
        Path meta = dataDir.resolve("meta.db");
        if (!Files.isRegularFile(meta)) return OptionalInt.empty();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + meta); Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout=30000");
            try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                return OptionalInt.of(rs.getInt(1));
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the schema version of " + meta + ": " + e.getMessage(), e);
        }
    }

    /**
     * What opening {@code dataDir} would run.
     *
     * @throws StoreException if the data directory was written by a newer Tegami
     */
    public static Plan plan(Path dataDir) {
        int target = codeVersion();
        int current = dataVersion(dataDir).orElse(0);
        if (current > target) {
            throw new StoreException("the data directory " + dataDir + " was written by a newer Tegami (schema " + current
                    + ", this version knows " + target + "); run that version, or restore a backup made before it");
        }
        List<Step> steps = new ArrayList<>();
        for (int v = current + 1; v <= target; v++) steps.add(new Step(v, describe(Schema.migration(v))));
        return new Plan(current, target, List.copyOf(steps));
    }

    /**
     * Backs {@code dataDir} up into {@code dataDir/backups/pre-v<target>-<time>/} when its schema is older than this
     * code's (and not new: a fresh directory has nothing to lose), then keeps only the newest {@value #KEEP}.
     *
     * @return where the backup is, if one was made
     * @throws StoreException if the backup fails (the upgrade must not run without it)
     */
    public static Optional<Path> backupBeforeUpgrade(Path dataDir, Instant now, Consumer<String> progress) {
        Plan plan = plan(dataDir);
        if (!plan.needed() || plan.current() == 0) return Optional.empty();
        Path backups = dataDir.resolve(BACKUPS);
        Path target = backups.resolve("pre-v" + plan.target() + "-" + STAMP.format(now));
        try {
            Files.createDirectories(backups);
            org.tegami.core.PrivateFiles.restrict(backups);
            Backup.backup(dataDir, target, progress);
            prune(backups);
        } catch (IOException e) {
            throw new StoreException("the schema upgrade from v" + plan.current() + " to v" + plan.target() + " needs a"
                    + " backup first, and it failed: " + e.getMessage() + " (free disk space in " + dataDir + ")", e);
        }
        return Optional.of(target);
    }

    /** Deletes all but the newest {@value #KEEP} pre-upgrade backups (by the time in their names). */
    static void prune(Path backups) throws IOException {
        List<Path> all = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(backups, "pre-v*")) {
            ds.forEach(all::add);
        }
        all.sort(java.util.Comparator.comparingLong(Upgrade::stampOf).thenComparing(Path::toString));
        for (int i = 0; i < all.size() - KEEP; i++) deleteTree(all.get(i));
    }

    private static long stampOf(Path p) {
        String n = p.getFileName().toString();
        try {
            return Instant.from(STAMP.parse(n.substring(n.lastIndexOf('-') + 1))).toEpochMilli();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** "CREATE TABLE x; ALTER TABLE y ADD COLUMN z": each statement up to its first parenthesis, whitespace folded. */
    static String describe(String sql) {
        List<String> parts = new ArrayList<>();
        for (String stmt : sql.split(";[ \\t]*\\n")) {
            String one = stmt.replaceAll("--[^\\n]*", " ").replaceAll("\\s+", " ").strip();
            if (one.isEmpty()) continue;
            int paren = one.indexOf('(');
            if (paren > 0) one = one.substring(0, paren).strip();
            if (one.length() > 80) one = one.substring(0, 77) + "...";
            parts.add(one);
        }
        return String.join("; ", parts);
    }
}
