package org.tegami.store.jdbc;

import java.sql.SQLException;

/** Work run inside a transaction (writes) or on a read connection (reads). */
@FunctionalInterface
public interface Work<T> {
    T run(Tx tx) throws SQLException;
}
