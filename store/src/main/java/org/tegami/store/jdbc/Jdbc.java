package org.tegami.store.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Statement helpers on a {@link Tx}, for both stores. */
public final class Jdbc {
    private Jdbc() {}

    /** A new prepared statement, its parameters bound; the caller closes it. */
    public static PreparedStatement prepare(Tx tx, String sql, Object... args) throws SQLException {
        PreparedStatement ps = tx.c.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
        return ps;
    }

    /**
     * Runs an INSERT, UPDATE or DELETE: on a transaction that keeps statements ({@link Tx#cached}) with the kept
     * one, else with a statement prepared and closed here.
     */
    public static int update(Tx tx, String sql, Object... args) throws SQLException {
        if (!tx.caches()) {
            try (PreparedStatement ps = prepare(tx, sql, args)) {
                return ps.executeUpdate();
            }
        }
        PreparedStatement ps = tx.cached(sql, args);
        try {
            return ps.executeUpdate();
        } finally {
            ps.clearParameters(); // a kept statement must not keep a message's bytes alive
        }
    }

    /** The first column of every row a query returns. */
    public static List<String> strings(Tx tx, String sql, Object... args) throws SQLException {
        List<String> out = new ArrayList<>();
        if (!tx.caches()) {
            try (PreparedStatement ps = prepare(tx, sql, args); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        }
        try (ResultSet rs = tx.cached(sql, args).executeQuery()) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    /**
     * Adds report row counts to a {@code (domain, day, row, count)} table (DMARC and TLS aggregate reports): each
     * row's count grows; a row not there yet is inserted only while the day holds fewer than {@code maxRows}, so a
     * flood of distinct rows cannot grow a report without bound. {@code table} is one of ours, never input.
     */
    static void addRowCounts(Tx tx, String table, String domain, long day, java.util.Map<String, Long> rows, int maxRows)
            throws SQLException {
        long have;
        try (PreparedStatement ps = prepare(tx, "SELECT COUNT(*) FROM " + table + " WHERE domain = ? AND day = ?",
                domain, day); ResultSet rs = ps.executeQuery()) {
            have = rs.next() ? rs.getLong(1) : 0;
        }
        for (java.util.Map.Entry<String, Long> e : rows.entrySet()) {
            int changed = update(tx, "UPDATE " + table + " SET count = count + ? WHERE domain = ? AND day = ? AND row = ?",
                    e.getValue(), domain, day, e.getKey());
            if (changed == 0 && have < maxRows) {
                update(tx, "INSERT INTO " + table + "(domain, day, row, count) VALUES (?, ?, ?, ?)",
                        domain, day, e.getKey(), e.getValue());
                have++;
            }
        }
    }
}
