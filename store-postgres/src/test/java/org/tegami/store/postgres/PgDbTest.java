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

    /** The backend and the transaction's start: the same for reads in one transaction. */
    private static String where(Tx tx) throws SQLException {
        try (Statement s = tx.c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_backend_pid() || ' ' || transaction_timestamp()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void readsInAGroupShareOneTransactionAndReadsAloneDoNot() throws Exception {
        String[] seen = org.tegami.store.ReadGroup.run(() -> {
            String first = db.read(PgDbTest::where);
            sleep();
            return new String[] {first, db.point(PgDbTest::where), db.read(tx -> show(tx, "transaction_read_only"))};
        });
        assertEquals(seen[0], seen[1], "one transaction for the group's reads");
        assertEquals("on", seen[2]);
        String alone = db.read(PgDbTest::where);
        sleep();
        assertTrue(!alone.equals(db.read(PgDbTest::where)), "each read alone is its own transaction");
    }

    @Test
    void aWriteInAGroupIsSeenByItsLaterReadsAndAFailedReadEndsOnlyItsTransaction() {
        db.write(tx -> {
            try (Statement s = tx.c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS pgdb_group(x INT)");
            }
            return null;
        });
        int seen = org.tegami.store.ReadGroup.run(() -> {
            assertEquals(0, count());
            db.write(tx -> {
                try (Statement s = tx.c.createStatement()) {
                    return s.executeUpdate("INSERT INTO pgdb_group VALUES (1)");
                }
            });
            // the group's snapshot predates the write: the write ended it, so this read sees the row
            int afterWrite = count();
            assertThrows(StoreException.class, () -> db.read(tx -> {
                try (Statement s = tx.c.createStatement(); ResultSet rs = s.executeQuery("SELECT nonsense FROM pgdb_group")) {
                    return rs.next();
                }
            }));
            assertEquals(afterWrite, count(), "the group reads on after a failed read (PostgreSQL aborted that transaction)");
            org.tegami.store.ReadGroup.pause();
            return count();
        });
        assertEquals(1, seen);
    }

    private int count() {
        return db.read(tx -> {
            try (Statement s = tx.c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM pgdb_group")) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }

    @Test
    void aGroupHoldsOneReadConnectionAndGivesItBack() {
        // the pool has two read connections: groups that did not give theirs back would exhaust it
        for (int i = 0; i < 5; i++) {
            org.tegami.store.ReadGroup.run(() -> {
                db.read(PgDbTest::where);
                return db.read(PgDbTest::where);
            });
        }
        assertEquals("on", db.read(tx -> show(tx, "transaction_read_only")));
    }

    private static void sleep() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
