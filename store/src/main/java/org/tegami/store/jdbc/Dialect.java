package org.tegami.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** The SQL that differs between the embedded store's SQLite and PostgreSQL. */
public enum Dialect {
    SQLITE {
        @Override
        public boolean singleWriter() {
            return true;
        }

        @Override
        public String position(String haystack, String needle) {
            return "instr(" + haystack + ", " + needle + ")";
        }

        @Override
        public String insertOrIgnore(String into) {
            return "INSERT OR IGNORE INTO " + into;
        }

        @Override
        public String upsert(String into, String key, String... updated) {
            return "INSERT OR REPLACE INTO " + into;
        }

        @Override
        public String emptyBytes() {
            return "x''";
        }

        @Override
        public String rowId() {
            return "rowid";
        }

        @Override
        public String offset() {
            return "LIMIT -1 OFFSET ?";
        }

        @Override
        public PreparedStatement prepareInsert(Connection c, String into) throws SQLException {
            return c.prepareStatement("INSERT INTO " + into, Statement.RETURN_GENERATED_KEYS);
        }

        @Override
        public long insertReturningId(PreparedStatement ps) throws SQLException {
            ps.executeUpdate();
            try (ResultSet rs = ps.getGeneratedKeys()) {
                rs.next();
                return rs.getLong(1);
            }
        }
        @Override
        public String greatest() {
            return "MAX";
        }

        @Override
        public int listBatch() {
            return 500;
        }

        @Override
        public String skipLocked() {
            return "";
        }

        @Override
        public long nextId(Tx tx, String counter) throws SQLException {
            try (PreparedStatement ps = Jdbc.prepare(tx, "UPDATE counters SET value = value + 1 WHERE name = ?"
                    + " RETURNING value", counter); ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) throw new SQLException("no id counter " + counter);
                return rs.getLong(1);
            }
        }
    },
    POSTGRESQL {
        @Override
        public boolean singleWriter() {
            return false;
        }

        @Override
        public String position(String haystack, String needle) {
            return "strpos(" + haystack + ", " + needle + ")";
        }

        @Override
        public String insertOrIgnore(String into) {
            return "INSERT INTO " + into + " ON CONFLICT DO NOTHING";
        }

        @Override
        public String upsert(String into, String key, String... updated) {
            StringBuilder sql = new StringBuilder("INSERT INTO ").append(into)
                    .append(" ON CONFLICT (").append(key).append(") DO UPDATE SET ");
            for (int i = 0; i < updated.length; i++) {
                if (i > 0) sql.append(", ");
                sql.append(updated[i]).append(" = excluded.").append(updated[i]);
            }
            return sql.toString();
        }

        @Override
        public String emptyBytes() {
            return "'\\x'";
        }

        @Override
        public String rowId() {
            return "id";
        }

        @Override
        public String offset() {
            return "OFFSET ?";
        }

        @Override
        public PreparedStatement prepareInsert(Connection c, String into) throws SQLException {
            return c.prepareStatement("INSERT INTO " + into + " RETURNING id");
        }

        @Override
        public long insertReturningId(PreparedStatement ps) throws SQLException {
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
        @Override
        public String greatest() {
            return "GREATEST";
        }

        @Override
        public int listBatch() {
            return 10_000;
        }

        @Override
        public String skipLocked() {
            return " FOR UPDATE SKIP LOCKED";
        }

        @Override
        public long nextId(Tx tx, String counter) throws SQLException {
            // A sequence: never hands a value out twice, and never makes concurrent writers wait or conflict.
            try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT nextval('" + counter + "_seq')");
                 ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) throw new SQLException("no id sequence " + counter);
                return rs.getLong(1);
            }
        }
    };

    /**
     * Whether one write transaction runs at a time (SQLite): then a row read inside it cannot change under it and
     * needs no lock; else (PostgreSQL) a write locks the rows its decisions depend on ({@code SELECT ... FOR UPDATE}).
     */
    public abstract boolean singleWriter();

    /** Where {@code needle} first occurs in {@code haystack} (1-based), 0 when it does not: two SQL expressions. */
    public abstract String position(String haystack, String needle);

    /** {@code INSERT} of {@code into} ("table(columns) VALUES (...)") that does nothing when a key already exists. */
    public abstract String insertOrIgnore(String into);

    /**
     * {@code INSERT} of {@code into} ("table(columns) VALUES (...)") that replaces the row whose {@code key} columns
     * (comma-separated) match: SQLite replaces the whole row, PostgreSQL updates the {@code updated} columns.
     */
    public abstract String upsert(String into, String key, String... updated);

    /** A literal empty byte string (BLOB, bytea). */
    public abstract String emptyBytes();

    /** The column that orders a table's rows by insertion where the schema has no id of its own. */
    public abstract String rowId();

    /** Skips the first {@code ?} rows of an ordered query with no limit. */
    public abstract String offset();

    /** An {@code INSERT} of {@code into} ("table(columns) VALUES (...)") whose generated {@code id} is wanted. */
    public abstract PreparedStatement prepareInsert(Connection c, String into) throws SQLException;

    /** Runs a statement from {@link #prepareInsert} and returns the id of the row it inserted. */
    public abstract long insertReturningId(PreparedStatement ps) throws SQLException;

    /** The function that returns the larger of its arguments ({@code MAX} in SQLite, {@code GREATEST} in PostgreSQL). */
    public abstract String greatest();

    /**
     * Values bound per statement where a query takes a list ({@code IN (?, ?, ...)}): well below SQLite's limit of 32766
     * host parameters and PostgreSQL's 65535, so that a large list costs PostgreSQL few round trips.
     */
    public abstract int listBatch();

    /**
     * Appended to a {@code SELECT} inside an {@code UPDATE ... WHERE id IN (...)} that claims rows: PostgreSQL's
     * {@code FOR UPDATE SKIP LOCKED} lets nodes claiming at the same moment take different rows instead of queueing
     * behind one another's row locks; SQLite has one writer at a time and needs nothing.
     */
    public abstract String skipLocked();

    /**
     * The next value of an id counter ({@code account_id}, {@code mailbox_id}, {@code queue_id}, ...): an id is never
     * handed out twice, even after its row is deleted, so a stale session or cache holding an old id finds nothing
     * rather than somebody else's data. SQLite: a row of {@code counters}; PostgreSQL: the sequence {@code <name>_seq}.
     */
    public abstract long nextId(Tx tx, String counter) throws SQLException;
}
