package org.tegami.server.migrate;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tegami.core.TegamiException;

/** What a store's database holds: its tables and their columns (SQLite or PostgreSQL), and row counts. */
final class SqliteTables {
    private SqliteTables() {}

    /** The tables of the SQLite database, SQLite's own left out. */
    static List<String> tables(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    /** The table of that name, if the SQLite database has it (its own included). */
    static List<String> tables(Connection c, String name) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
        }
        return out;
    }

    static List<String> columns(Connection c, String table) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA table_info(" + table + ")")) {
            while (rs.next()) out.add(rs.getString("name"));
        }
        return out;
    }

    /** Rows of a table or subquery, with an optional {@code " WHERE ..."}; on SQLite or PostgreSQL. */
    static long count(Connection c, String from, String where) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + from + " x" + where)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** A store's tables: SQLite's own left out on the embedded side, only base tables of the schema on PostgreSQL. */
    static List<String> tables(Connection c, boolean sqlite) throws SQLException {
        if (sqlite) return SqliteTables.tables(c);
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT table_name FROM information_schema.tables"
                + " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1")) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    /** A table's columns and their types, SQLite's declared types named as PostgreSQL's ({@code StoreMigration.bind}). */
    static Map<String, String> columns(Connection c, boolean sqlite, String table, String side) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        if (sqlite) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA table_info(" + table + ")")) {
                while (rs.next()) {
                    String type = rs.getString("type").toUpperCase(java.util.Locale.ROOT);
                    out.put(rs.getString("name"), type.startsWith("INT") ? "bigint" : type.equals("BLOB") ? "bytea" : "text");
                }
            }
        } else {
            try (PreparedStatement ps = c.prepareStatement("SELECT column_name, data_type FROM information_schema.columns"
                    + " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position")) {
                ps.setString(1, table);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        if (out.isEmpty()) throw new TegamiException("the " + side + " has no table " + table + ": upgrade Tegami so both schemas match");
        return out;
    }
}
