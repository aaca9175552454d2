package org.tegami.store.postgres;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tegami.store.TlsReportStore;

/** TLS report data (RFC 8460) in PostgreSQL (table {@code tls_report_row}). */
final class PgTlsReports implements TlsReportStore {
    private final PgDb db;

    PgTlsReports(PgDb db) {
        this.db = db;
    }

    @Override
    public void add(String domain, long day, Map<String, Long> rows) {
        if (rows.isEmpty()) return;
        db.write(tx -> {
            long have;
            try (PreparedStatement ps = PgAccounts.prepare(tx, "SELECT COUNT(*) FROM tls_report_row WHERE domain = ? AND day = ?",
                    domain, day); ResultSet rs = ps.executeQuery()) {
                have = rs.next() ? rs.getLong(1) : 0;
            }
            for (Map.Entry<String, Long> e : rows.entrySet()) {
                int changed = PgAccounts.update(tx, "UPDATE tls_report_row SET count = count + ? WHERE domain = ? AND day = ?"
                        + " AND row = ?", e.getValue(), domain, day, e.getKey());
                if (changed == 0 && have < MAX_ROWS) {
                    PgAccounts.update(tx, "INSERT INTO tls_report_row(domain, day, row, count) VALUES (?, ?, ?, ?)",
                            domain, day, e.getKey(), e.getValue());
                    have++;
                }
            }
            return null;
        });
    }

    @Override
    public List<Pending> pending(long beforeDay) {
        return db.read(tx -> {
            List<Pending> out = new ArrayList<>();
            try (PreparedStatement ps = PgAccounts.prepare(tx, "SELECT DISTINCT domain, day FROM tls_report_row WHERE day < ?"
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
            try (PreparedStatement ps = PgAccounts.prepare(tx, "SELECT row, count FROM tls_report_row WHERE domain = ?"
                    + " AND day = ? ORDER BY row", domain, day); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getString(1), rs.getLong(2));
            }
            return out;
        });
    }

    @Override
    public void remove(String domain, long day) {
        db.write(tx -> {
            PgAccounts.update(tx, "DELETE FROM tls_report_row WHERE domain = ? AND day = ?", domain, day);
            return null;
        });
    }
}
