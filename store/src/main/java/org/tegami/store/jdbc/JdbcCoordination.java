package org.tegami.store.jdbc;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.tegami.store.CoordinationStore;

/**
 * Events and leases in SQLite or PostgreSQL (tables {@code coord_event} and {@code coord_lease}; embedded schema v26,
 * PostgreSQL v3); times in epoch milliseconds. On PostgreSQL each write is SERIALIZABLE and retried on conflict, so
 * a booking or a lease taken on two nodes at once is decided once (ADR 0024).
 */
public final class JdbcCoordination implements CoordinationStore {
    /** Every this many recorded events, old rows are pruned. */
    static final int PRUNE_EVERY = 1024;

    private final Transactions db;
    private final AtomicLong recorded = new AtomicLong();

    public JdbcCoordination(Transactions db) {
        this.db = db;
    }

    @Override
    public void record(String key, Instant at, int keep) {
        String k = key(key);
        int bound = bound(keep);
        db.write(tx -> {
            Jdbc.update(tx, "INSERT INTO coord_event(key, time) VALUES (?, ?)", k, at.toEpochMilli());
            trim(tx, k, bound);
            return null;
        });
        if (recorded.incrementAndGet() % PRUNE_EVERY == 0) {
            try {
                prune(at.minus(RETENTION));
            } catch (RuntimeException e) {
                // the event is recorded; pruning runs again after the next batch
            }
        }
    }

    @Override
    public Recent recent(String key, Instant after, int limit) {
        if (limit <= 0) return Recent.NONE;
        String k = key(key);
        int bound = bound(limit);
        return db.read(tx -> {
            // one row back however many are counted (a limit may be the hourly submission limit)
            try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT COUNT(*), MIN(time), MAX(time) FROM (SELECT time"
                    + " FROM coord_event WHERE key = ? AND time > ? ORDER BY time DESC LIMIT ?) latest",
                    k, after.toEpochMilli(), bound);
                 ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || rs.getInt(1) == 0) return Recent.NONE;
                return new Recent(rs.getInt(1), Optional.of(Instant.ofEpochMilli(rs.getLong(2))),
                        Optional.of(Instant.ofEpochMilli(rs.getLong(3))));
            }
        });
    }

    @Override
    public Instant book(String key, Instant now, Duration window, int limit) {
        String k = key(key);
        int bound = bound(limit);
        long at = db.write(tx -> {
            // the oldest of the key's latest `bound` events, if it has that many: the next slot is a window after it
            long t = now.toEpochMilli();
            try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT time FROM coord_event WHERE key = ?"
                    + " ORDER BY time DESC LIMIT 1 OFFSET ?", k, bound - 1);
                 ResultSet rs = ps.executeQuery()) {
                if (rs.next()) t = Math.max(t, rs.getLong(1) + window.toMillis());
            }
            Jdbc.update(tx, "INSERT INTO coord_event(key, time) VALUES (?, ?)", k, t);
            trim(tx, k, bound);
            return t;
        });
        return Instant.ofEpochMilli(at);
    }

    @Override
    public boolean tryAcquire(String name, String holder, Instant now, Instant until) {
        String n = key(name);
        return db.write(tx -> {
            // Ours already, or its holder's time ran out (a node that died): take it over.
            if (Jdbc.update(tx, "UPDATE coord_lease SET holder = ?, until = ? WHERE name = ? AND (holder = ? OR until <= ?)",
                    holder, until.toEpochMilli(), n, holder, now.toEpochMilli()) > 0) {
                return true;
            }
            return Jdbc.update(tx, db.dialect().insertOrIgnore("coord_lease(name, holder, until) VALUES (?, ?, ?)"),
                    n, holder, until.toEpochMilli()) > 0;
        });
    }

    @Override
    public boolean renew(String name, String holder, Instant until) {
        String n = key(name);
        return db.write(tx -> Jdbc.update(tx, "UPDATE coord_lease SET until = ? WHERE name = ? AND holder = ?",
                until.toEpochMilli(), n, holder) > 0);
    }

    @Override
    public void release(String name, String holder) {
        String n = key(name);
        db.write(tx -> Jdbc.update(tx, "DELETE FROM coord_lease WHERE name = ? AND holder = ?", n, holder));
    }

    @Override
    public int prune(Instant before) {
        long b = before.toEpochMilli();
        return db.write(tx -> Jdbc.update(tx, "DELETE FROM coord_event WHERE time < ?", b)
                + Jdbc.update(tx, "DELETE FROM coord_lease WHERE until < ?", b));
    }

    /** Deletes the key's events beyond its {@code keep} latest. */
    private void trim(Tx tx, String key, int keep) throws java.sql.SQLException {
        String id = db.dialect().rowId();
        Jdbc.update(tx, "DELETE FROM coord_event WHERE key = ? AND " + id + " IN (SELECT " + id + " FROM coord_event"
                + " WHERE key = ? ORDER BY time DESC, " + id + " DESC " + db.dialect().offset() + ")", key, key, keep);
    }

    private static int bound(int n) {
        return Math.clamp(n, 1, MAX_PER_KEY);
    }

    /** The key as stored: long ones (a stranger's username) by their SHA-256. */
    static String key(String key) {
        if (key.length() <= MAX_KEY) return key;
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }
}
