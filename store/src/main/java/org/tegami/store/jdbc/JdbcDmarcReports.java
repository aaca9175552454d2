package org.tegami.store.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tegami.store.DmarcReportStore;

/** DMARC aggregate report data in SQLite or PostgreSQL (tables {@code dmarc_report} and {@code dmarc_report_row}; embedded schema v17). */
public final class JdbcDmarcReports implements DmarcReportStore {
    private final Transactions db;

    public JdbcDmarcReports(Transactions db) {
        this.db = db;
    }

    @Override
    public void add(String domain, long day, String record, Map<String, Long> rows) {
        if (rows.isEmpty()) return;
        db.write(tx -> {
            Jdbc.update(tx, db.dialect().upsert("dmarc_report(domain, day, record) VALUES (?, ?, ?)", "domain, day", "record"),
                    domain, day, record);
            Jdbc.addRowCounts(tx, "dmarc_report_row", domain, day, rows, MAX_ROWS);
            return null;
        });
    }

    @Override
    public List<Pending> pending(long beforeDay) {
        return db.read(tx -> {
            List<Pending> out = new ArrayList<>();
            try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT domain, day, record FROM dmarc_report WHERE day < ?"
                    + " ORDER BY day, domain", beforeDay); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(new Pending(rs.getString(1), rs.getLong(2), rs.getString(3)));
            }
            return out;
        });
    }

    @Override
    public Map<String, Long> rows(String domain, long day) {
        return db.read(tx -> {
            Map<String, Long> out = new LinkedHashMap<>();
            try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT row, count FROM dmarc_report_row WHERE domain = ?"
                    + " AND day = ? ORDER BY row", domain, day); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getString(1), rs.getLong(2));
            }
            return out;
        });
    }

    @Override
    public void remove(String domain, long day) {
        db.write(tx -> {
            Jdbc.update(tx, "DELETE FROM dmarc_report_row WHERE domain = ? AND day = ?", domain, day);
            Jdbc.update(tx, "DELETE FROM dmarc_report WHERE domain = ? AND day = ?", domain, day);
            return null;
        });
    }
}
