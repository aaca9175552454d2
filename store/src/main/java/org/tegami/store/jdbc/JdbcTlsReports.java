package org.tegami.store.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tegami.store.TlsReportStore;

/** TLS report data (RFC 8460) in SQLite or PostgreSQL (table {@code tls_report_row}; embedded schema v20). */
public final class JdbcTlsReports implements TlsReportStore {
    private final Transactions db;

    public JdbcTlsReports(Transactions db) {
        this.db = db;
    }

    @Override
    public void add(String domain, long day, Map<String, Long> rows) {
        if (rows.isEmpty()) return;
        db.write(tx -> {
            Jdbc.addRowCounts(tx, "tls_report_row", domain, day, rows, MAX_ROWS);
            return null;
        });
    }

    @Override
    public List<Pending> pending(long beforeDay) {
        return db.read(tx -> {
            List<Pending> out = new ArrayList<>();
            try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT DISTINCT domain, day FROM tls_report_row WHERE day < ?"
                    + " ORDER BY day, domain", beforeDay); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(new Pending(rs.getString(1), rs.getLong(2)));
            }
            return out;
        });
    }

    @Override
    public Map<String, Long> rows(String domain, long day) {
        return db.read(tx -> {
            Map<String, Long> out = new LinkedHashMap<>();
            try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT row, count FROM tls_report_row WHERE domain = ?"
                    + " AND day = ? ORDER BY row", domain, day); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getString(1), rs.getLong(2));
            }
            return out;
        });
    }

    @Override
    public void remove(String domain, long day) {
        db.write(tx -> {
            Jdbc.update(tx, "DELETE FROM tls_report_row WHERE domain = ? AND day = ?", domain, day);
            return null;
        });
    }

    @Override
    public void addReceived(List<Received> policies) {
        if (policies.isEmpty()) return;
        db.write(tx -> {
            for (Received r : policies) {
                StringBuilder types = new StringBuilder();
                r.failureTypes().forEach((t, n) -> types.append(types.isEmpty() ? "" : ",").append(t).append('=').append(n));
                Jdbc.update(tx, db.dialect().insertOrIgnore("tls_report_received(report_id, policy_domain, policy_type,"
                        + " received, organization, begin_at, end_at, success, failure, failure_types)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"), r.reportId(), r.policyDomain(), r.policyType(),
                        r.received().toEpochMilli(), r.organization(), r.begin().toEpochMilli(), r.end().toEpochMilli(),
                        r.success(), r.failure(), types.toString());
            }
            // bounded: the oldest go first
            String id = db.dialect().rowId();
            Jdbc.update(tx, "DELETE FROM tls_report_received WHERE " + id + " IN (SELECT " + id + " FROM tls_report_received"
                    + " ORDER BY received DESC, " + id + " DESC " + db.dialect().offset() + ")", MAX_RECEIVED);
            return null;
        });
    }

    @Override
    public List<Received> received(java.time.Instant since) {
        return db.read(tx -> {
            List<Received> out = new ArrayList<>();
            try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT received, organization, report_id, begin_at, end_at,"
                    + " policy_domain, policy_type, success, failure, failure_types FROM tls_report_received"
                    + " WHERE received >= ? ORDER BY received DESC, " + db.dialect().rowId(), since.toEpochMilli());
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, Long> types = new LinkedHashMap<>();
                    for (String kv : rs.getString(10).split(",")) {
                        int eq = kv.lastIndexOf('=');
                        if (eq > 0) types.put(kv.substring(0, eq), Long.parseLong(kv.substring(eq + 1)));
                    }
                    out.add(new Received(java.time.Instant.ofEpochMilli(rs.getLong(1)), rs.getString(2), rs.getString(3),
                            java.time.Instant.ofEpochMilli(rs.getLong(4)), java.time.Instant.ofEpochMilli(rs.getLong(5)),
                            rs.getString(6), rs.getString(7), rs.getLong(8), rs.getLong(9), types));
                }
            }
            return out;
        });
    }
}
