package org.tegami.store.jdbc;

import java.sql.SQLException;
import org.tegami.store.BlobId;

/**
 * What {@link JdbcMail} needs from the rest of its store where the two stores differ: the blob catalog (inline
 * bytes in the delivery's own commit on SQLite, catalog rows locked across nodes on PostgreSQL) and, across nodes,
 * the change notices. Each store wires its own.
 */
public interface MailHooks {

    /**
     * Before a write that names {@code blob}: what {@link #claimBlob} will need (the embedded store's inline bytes
     * still to be inserted), or null.
     */
    default Object beforeWrite(BlobId blob) {
        return null;
    }

    /**
     * Inside every write that makes a message or queue entry name {@code blob} it was handed: fails that write when
     * the blob is not stored, so nothing is acknowledged that cannot be read.
     */
    void claimBlob(Tx tx, BlobId blob, Object prepared) throws SQLException;

    /** After the write that claimed {@code prepared} (from {@link #beforeWrite}; may be null) committed. */
    default void afterWrite(Object prepared) {}

    /** Inside a COPY or MOVE, once per blob the copies name. */
    default void claimCopied(Tx tx, BlobId blob) throws SQLException {}

    /** Tells other nodes that something changed ({@code m <mailbox>}, {@code a <account>}, {@code A}); after commit. */
    default void publish(String what) {}
}
