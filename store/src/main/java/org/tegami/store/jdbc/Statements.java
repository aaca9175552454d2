package org.tegami.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;

/**
 * The prepared statements of one connection, by SQL text. Preparing costs more than running most of the store's
 * statements (SQLite compiles the SQL, the driver reads every column name): the hot ones are prepared once per
 * connection. A connection is used by one thread at a time, so this needs no lock; statements are finalized
 * when their connection closes. Bounded: a caller building SQL from variable parts would otherwise fill it.
 */
public final class Statements {
    public static final int MAX = 256;
    private final HashMap<String, PreparedStatement> bySql = new HashMap<>();

    public PreparedStatement get(Connection c, String sql) throws SQLException {
        PreparedStatement ps = bySql.get(sql);
        if (ps != null) return ps;
        ps = c.prepareStatement(sql);
        if (bySql.size() >= MAX) { // SQL built from variable parts: start over rather than grow
            for (PreparedStatement old : bySql.values()) old.close();
            bySql.clear();
        }
        bySql.put(sql, ps);
        return ps;
    }
}
