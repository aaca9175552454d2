package org.tegami.store.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tegami.store.TraceHistoryStore;

/** The trace history in SQLite or PostgreSQL (tables {@code trace_line} and {@code trace_key}; embedded schema v22). */
public final class JdbcTraceHistory implements TraceHistoryStore {
    /** Keys per IN query (SQLite's parameter limit is far above; this keeps statements small). */
    private static final int CHUNK = 200;

    private final Transactions db;

    public JdbcTraceHistory(Transactions db) {
        this.db = db;
    }

    @Override
    public void append(List<Line> lines) {
        if (lines.isEmpty()) return;
        db.write(tx -> {
            try (PreparedStatement line = db.dialect().prepareInsert(tx.c, "trace_line(time, text) VALUES (?, ?)");
                 PreparedStatement key = tx.c.prepareStatement(db.dialect().insertOrIgnore("trace_key(key, line_id) VALUES (?, ?)"))) {
                for (Line l : lines) {
                    String text = l.text().length() > MAX_LINE ? l.text().substring(0, MAX_LINE) : l.text();
                    line.setLong(1, l.time());
                    line.setString(2, text);
                    long id = db.dialect().insertReturningId(line);
                    int n = 0;
                    for (String k : l.keys()) {
                        if (n++ == MAX_KEYS) break;
                        key.setString(1, k);
                        key.setLong(2, id);
                        key.addBatch();
                    }
                }
                key.executeBatch();
            }
            return null;
        });
    }

    @Override
    public List<Line> find(Collection<String> keys, int limit) {
        if (keys.isEmpty() || limit <= 0) return List.of();
        List<String> all = List.copyOf(keys);
        return db.read(tx -> {
            // line id → line, in id (time) order across chunks
            Map<Long, Line> found = new java.util.TreeMap<>();
            for (int from = 0; from < all.size(); from += CHUNK) {
                List<String> chunk = all.subList(from, Math.min(all.size(), from + CHUNK));
                String sql = "SELECT l.id, l.time, l.text FROM trace_line l WHERE l.id IN (SELECT line_id FROM trace_key"
                        + " WHERE key IN (" + "?,".repeat(chunk.size() - 1) + "?)) ORDER BY l.id LIMIT ?";
                try (PreparedStatement ps = tx.c.prepareStatement(sql)) {
                    int i = 1;
                    for (String k : chunk) ps.setString(i++, k);
                    ps.setInt(i, limit);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) found.putIfAbsent(rs.getLong(1), new Line(rs.getLong(2), rs.getString(3), List.of()));
                    }
                }
            }
            Map<Long, List<String>> lineKeys = new LinkedHashMap<>();
            List<Long> ids = new ArrayList<>(found.keySet()).subList(0, Math.min(limit, found.size()));
            for (int from = 0; from < ids.size(); from += CHUNK) {
                List<Long> chunk = ids.subList(from, Math.min(ids.size(), from + CHUNK));
                try (PreparedStatement ps = tx.c.prepareStatement("SELECT line_id, key FROM trace_key WHERE line_id IN ("
                        + "?,".repeat(chunk.size() - 1) + "?)")) {
                    int i = 1;
                    for (long id : chunk) ps.setLong(i++, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) lineKeys.computeIfAbsent(rs.getLong(1), x -> new ArrayList<>()).add(rs.getString(2));
                    }
                }
            }
            List<Line> out = new ArrayList<>(ids.size());
            for (long id : ids) {
                Line l = found.get(id);
                out.add(new Line(l.time(), l.text(), List.copyOf(lineKeys.getOrDefault(id, List.of()))));
            }
            return out;
        });
    }

    @Override
    public long prune(long before, long maxLines) {
        return db.write(tx -> {
            long cut;
            try (Statement s = tx.c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(id), 0) FROM trace_line")) {
                cut = rs.next() ? rs.getLong(1) - maxLines + 1 : 0;
            }
            try (PreparedStatement ps = Jdbc.prepare(tx,
                    "SELECT COALESCE(MAX(id), 0) FROM trace_line WHERE time < ?", before); ResultSet rs = ps.executeQuery()) {
                if (rs.next()) cut = Math.max(cut, rs.getLong(1) + 1);
            }
            if (cut <= 0) return 0L;
            Jdbc.update(tx, "DELETE FROM trace_key WHERE line_id < ?", cut);
            return (long) Jdbc.update(tx, "DELETE FROM trace_line WHERE id < ?", cut);
        });
    }
}
