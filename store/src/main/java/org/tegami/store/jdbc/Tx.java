package org.tegami.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The connection a piece of work uses, where it registers what to do after a successful commit, and (embedded store)
 * the prepared statements kept with that connection.
 */
public final class Tx {
    public final Connection c;
    /** Run by the transaction runner after a successful commit, in order; dropped when the work fails. */
    public final List<Runnable> afterCommit = new ArrayList<>();
    private final Statements statements;

    /** A transaction whose statements are prepared per use and closed after it. */
    public Tx(Connection c) {
        this(c, null);
    }

    /** A transaction on a long-lived connection whose hot statements are kept in {@code statements}. */
    public Tx(Connection c, Statements statements) {
        this.c = c;
        this.statements = statements;
    }

    /** Whether {@link #cached} keeps statements (else each one is prepared and must be closed by its user). */
    public boolean caches() {
        return statements != null;
    }

    /**
     * A prepared statement kept with this connection for reuse, its parameters bound: the caller must not close
     * it, and must consume or close its result set before the work returns (an open one holds a read snapshot).
     * Only on a transaction that {@link #caches}.
     */
    public PreparedStatement cached(String sql, Object... args) throws SQLException {
        if (statements == null) throw new IllegalStateException("this transaction keeps no statements");
        PreparedStatement ps = statements.get(c, sql);
        for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
        return ps;
    }

    public void afterCommit(Runnable r) {
        afterCommit.add(r);
    }
}
