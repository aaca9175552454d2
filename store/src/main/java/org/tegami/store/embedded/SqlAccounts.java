package org.tegami.store.embedded;

import java.sql.SQLException;
import java.util.function.LongSupplier;
import org.tegami.store.jdbc.Dialect;
import org.tegami.store.jdbc.JdbcAccounts;
import org.tegami.store.jdbc.Tx;

/** The id counters under the names {@link SqlMail} uses, until it moves to the shared layer. */
final class SqlAccounts {
    private SqlAccounts() {}

    static long nextId(Tx tx, String counter) throws SQLException {
        return Dialect.SQLITE.nextId(tx, counter);
    }

    static long nextUidValidity(Tx tx, LongSupplier source) throws SQLException {
        return JdbcAccounts.nextUidValidity(tx, source);
    }
}
