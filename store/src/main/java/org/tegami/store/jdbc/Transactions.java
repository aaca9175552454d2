package org.tegami.store.jdbc;

/**
 * Runs a store's work on its database: the embedded store's SQLite group commit and the PostgreSQL store's
 * SERIALIZABLE transactions both implement it, and the role classes of this package run on either. Each
 * implementation keeps its own commit, retry and connection machinery; a write's after-commit hooks
 * ({@link Tx#afterCommit}) run only once it is durable.
 */
public interface Transactions {
    /** Runs {@code work} in a write transaction and returns once it is committed (durable). */
    <T> T write(Work<T> work);

    /**
     * Runs {@code work}, which locks every row its decisions depend on ({@code SELECT ... FOR UPDATE}) before reading
     * it, in a write transaction. PostgreSQL runs it at READ COMMITTED (concurrent writers wait for the row lock
     * instead of failing and starting over); SQLite has one writer at a time, so it is an ordinary {@link #write}.
     */
    default <T> T writeLocked(Work<T> work) {
        return write(work);
    }

    /** Runs {@code work} on a read connection; it sees every committed write. */
    <T> T read(Work<T> work);

    /** A short read by key: one row or a bounded few. */
    <T> T point(Work<T> work);

    /**
     * Whether {@link #point} costs less than {@link #read}: on the embedded store it runs on the caller's thread
     * while a read waits for a reader; on PostgreSQL both are one pooled read-only transaction.
     */
    default boolean cheapPoints() {
        return false;
    }

    /**
     * Tells the other nodes sharing this database that something changed ({@code kind id}), after the commit; a
     * store that serves one process has no one to tell.
     */
    default void publish(String notice) {}

    /** The SQL dialect of this database. */
    Dialect dialect();
}
