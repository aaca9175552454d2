package org.tegami.store.postgres;

import java.sql.SQLException;
import java.util.function.LongSupplier;
import org.tegami.store.jdbc.Dialect;
import org.tegami.store.jdbc.JdbcAccounts;
import org.tegami.store.jdbc.Tx;

/** The id counters under the names {@link PgMail} uses, until it moves to the shared layer. */
final class PgAccounts {
    private PgAccounts() {}

    static long nextId(Tx tx, String counter) throws SQLException {
        return Dialect.POSTGRESQL.nextId(tx, counter);
    }

    static long nextUidValidity(Tx tx, LongSupplier source) throws SQLException {
        return JdbcAccounts.nextUidValidity(tx, source);
    }
}
