package org.tegami.store.jdbc;

import java.sql.SQLException;
import java.time.Instant;
import org.tegami.store.AccountId;
import org.tegami.store.BlobId;
import org.tegami.store.ClassifierStore;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.MailboxId;
import org.tegami.store.QueueId;
import org.tegami.store.Uid;

/**
 * What {@link JdbcMail} needs from the rest of its store: the blob catalog, the queue, the classifier's learning
 * queue, the id counters and (across nodes) the change notices. Each store wires its own.
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

    /** Enqueues one outbound copy of a delivery inside its transaction. */
    QueueId enqueue(Tx tx, BlobId blob, long size, Instant now, DeliveryRequest.Outbound out) throws SQLException;

    /** After a commit that enqueued: wakes the delivery workers. */
    void enqueued();

    /** Queues a message for the spam classifier to learn from, inside the transaction that moved or flagged it. */
    void learn(Tx tx, AccountId account, MailboxId mailbox, Uid uid, ClassifierStore.Verdict verdict) throws SQLException;

    /** A mailbox id never handed out before. */
    long nextMailboxId(Tx tx) throws SQLException;

    /** A UIDVALIDITY never handed out before in this store (RFC 9051 §2.3.1.1). */
    long nextUidValidity(Tx tx) throws SQLException;

    /** Tells other nodes that something changed ({@code m <mailbox>}, {@code a <account>}, {@code A}); after commit. */
    default void publish(String what) {}
}
