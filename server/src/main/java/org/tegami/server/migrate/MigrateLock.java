package org.tegami.server.migrate;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.Properties;
import org.tegami.core.TegamiException;
import org.tegami.server.config.StoreSettings;

/**
 * The PostgreSQL side of the lock between {@code tegami migrate} and everything else that uses a database (ADR 0027):
 * a session-level advisory lock on one fixed key ({@link #KEY}). Migrate holds it exclusively on every PostgreSQL
 * database it reads or writes, for the whole run; servers and admin commands hold it shared on a connection of their
 * own for as long as they use the store. So on any node (any data directory), a command or a server refuses while a
 * migration copies the database, and a migration does not start while one of them runs. PostgreSQL drops a session's
 * locks when its connection ends, so a killed process leaves nothing to clean up.
 */
public final class MigrateLock implements AutoCloseable {
    /** The advisory lock key: "tegami" in ASCII, then 0x0027 (ADR 0027); 8387223549192503335 in decimal. */
    public static final long KEY = 0x7465_6761_6D69_0027L;

    /** Migrate's application name on a database it copies out of. */
    public static final String FROM = "tegami migrate (copying out of this database)";

    /** Migrate's application name on a database it copies into. */
    public static final String INTO = "tegami migrate (copying into this database)";

    private final Connection connection;

    private MigrateLock(Connection connection) {
        this.connection = connection;
    }

    /**
     * Migrate's lock, on its own connection {@code c} (held as long as that session): false when a server or an
     * admin command holds it shared (or another migration exclusively).
     */
    public static boolean tryExclusive(Connection c) throws SQLException {
        boolean auto = c.getAutoCommit();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_try_advisory_lock(" + KEY + ")")) {
            rs.next();
            return rs.getBoolean(1);
        } finally {
            if (!auto) c.commit(); // a session lock outlives the transaction; no snapshot is kept open
        }
    }

    /** Who takes the lock shared, for the refusal's advice. */
    public enum User {
        /** An admin command ({@code tegami user add}, …). */
        COMMAND,
        /** A starting server. */
        SERVER
    }

    /**
     * A server's or an admin command's lock: a connection of its own holding {@link #KEY} shared until
     * {@link #close()}. While a migration holds it, throws a {@link TegamiException} naming the migration (what it
     * copies, when it started, from where) and what to do. A database it cannot reach is left to the store's open
     * to report, as before.
     */
    public static MigrateLock shared(StoreSettings.Postgres pg, User user) {
        Properties p = new Properties();
        p.setProperty("user", pg.user());
        p.setProperty("password", pg.password());
        p.setProperty("ApplicationName", "tegami (migration lock, shared)");
        Connection c = null;
        try {
            c = DriverManager.getConnection(pg.url(), p);
            for (int attempt = 0; ; attempt++) {
                try (Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT pg_try_advisory_lock_shared(" + KEY + ")")) {
                    rs.next();
                    if (rs.getBoolean(1)) return new MigrateLock(c);
                }
                Optional<String> holder = holder(c);
                // the migration may have ended between the two statements: look again before refusing
                if (holder.isPresent() || attempt == 2) throw new TegamiException(refusal(pg, holder, user));
            }
        } catch (SQLException e) {
            close(c);
            return new MigrateLock(null);
        } catch (RuntimeException e) {
            close(c);
            throw e;
        }
    }

    private static String refusal(StoreSettings.Postgres pg, Optional<String> holder, User user) {
        String h = holder.orElse("");
        boolean out = h.startsWith(FROM_TEXT), into = h.startsWith(INTO_TEXT);
        String then = switch (user) {
            case COMMAND -> out ? "then run this command against the migrated config" : "then run this command again";
            case SERVER -> out ? "then start the server on the migrated config" : "then start the server";
        };
        return "the database " + pg.url() + " is locked: " + (holder.isEmpty() ? "a tegami migrate is copying it" : h)
                + (out ? ", and a change now would be missed by the copy" : into ? ", and a change now would mix with"
                + " the copy" : "") + ": wait for it to finish, " + then;
    }

    private static final String FROM_TEXT = "a tegami migrate is copying this database to an embedded store";
    private static final String INTO_TEXT = "a tegami migrate is copying an embedded store into this database";

    /** Who holds {@link #KEY} exclusively on {@code c}'s database: what it copies, since when, from where. */
    static Optional<String> holder(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT a.application_name, a.backend_start,"
                + " COALESCE(host(a.client_addr), 'a local socket') FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                + " WHERE l.locktype = 'advisory' AND l.mode = 'ExclusiveLock' AND l.granted AND l.objsubid = 1"
                + " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                + " AND l.classid::bigint = ? AND l.objid::bigint = ?")) {
            s.setLong(1, KEY >>> 32);
            s.setLong(2, KEY & 0xFFFF_FFFFL);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                String what = switch (rs.getString(1)) {
                    case FROM -> FROM_TEXT;
                    case INTO -> INTO_TEXT;
                    case null, default -> "a tegami migrate is copying this database";
                };
                var started = rs.getObject(2, OffsetDateTime.class).toInstant().truncatedTo(ChronoUnit.SECONDS);
                return Optional.of(what + " (started " + started + ", from " + rs.getString(3) + ")");
            }
        }
    }

    @Override
    public void close() {
        close(connection);
    }

    private static void close(Connection c) {
        if (c == null) return;
        try {
            c.close(); // ends the session, and its lock with it
        } catch (SQLException ignored) {
            // the session is gone either way
        }
    }
}
