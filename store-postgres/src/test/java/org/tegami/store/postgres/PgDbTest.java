package org.tegami.store.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tegami.core.StoreException;
import org.tegami.store.jdbc.Tx;
import org.tegami.testkit.TestPostgres;

/**
 * The isolation each kind of transaction runs at, as PostgreSQL reports it: reads come from their own read-only
 * pool at REPEATABLE READ without a SET TRANSACTION of their own, locked writes run at the write pool's READ COMMITTED,
 * the others SERIALIZABLE, and every write is synchronous.
 */
class PgDbTest {
    private PgDb db;

    @BeforeEach
    void open() {
        Assumptions.assumeTrue(TestPostgres.available(), TestPostgres.WHY_MISSING);
        TestPostgres.Database d = TestPostgres.get().newDatabase();
        db = new PgDb(d.url(), d.user(), d.password(), 2);
    }

    @AfterEach
    void close() {
        if (db != null) db.close();
    }

    private static String show(Tx tx, String setting) throws SQLException {
        try (Statement s = tx.c.createStatement(); ResultSet rs = s.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void readsAreRepeatableReadAndReadOnly() {
        assertEquals("repeatable read, read-only on, synchronous on", db.read(tx -> show(tx, "transaction_isolation")
                + ", read-only " + show(tx, "transaction_read_only") + ", synchronous " + show(tx, "synchronous_commit")));
        assertEquals("repeatable read on", db.point(tx -> show(tx, "transaction_isolation") + " " + show(tx, "transaction_read_only")));
    }

    @Test
    void writesAreSerializableOrReadCommittedAndSynchronous() {
        assertEquals("serializable, read-only off, synchronous on", db.write(tx -> show(tx, "transaction_isolation")
                + ", read-only " + show(tx, "transaction_read_only") + ", synchronous " + show(tx, "synchronous_commit")));
        assertEquals("read committed off", db.writeLocked(tx -> show(tx, "transaction_isolation") + " "
                + show(tx, "transaction_read_only")));
        // the same two connections, alternating: neither kind of write leaves its level behind for the next
        for (int i = 0; i < 4; i++) {
            assertEquals("serializable", db.write(tx -> show(tx, "transaction_isolation")));
            assertEquals("read committed", db.writeLocked(tx -> show(tx, "transaction_isolation")));
        }
    }

    @Test
    void aReadCannotWrite() {
        db.write(tx -> {
            try (Statement s = tx.c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS pgdb_probe(x INT)");
            }
            return null;
        });
        StoreException e = assertThrows(StoreException.class, () -> db.read(tx -> {
            try (Statement s = tx.c.createStatement()) {
                return s.executeUpdate("INSERT INTO pgdb_probe VALUES (1)");
            }
        }));
        assertTrue(e.getMessage().contains("read-only transaction"), e.getMessage());
        assertEquals(0, (int) db.read(tx -> {
            try (Statement s = tx.c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM pgdb_probe")) {
                rs.next();
                return rs.getInt(1);
            }
        }));
    }
}
