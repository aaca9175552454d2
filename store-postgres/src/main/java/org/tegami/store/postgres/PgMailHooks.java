package org.tegami.store.postgres;

import java.sql.SQLException;
import java.time.Instant;
import java.util.function.LongSupplier;
import org.tegami.store.AccountId;
import org.tegami.store.BlobId;
import org.tegami.store.ClassifierStore;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.MailboxId;
import org.tegami.store.QueueId;
import org.tegami.store.Uid;
import org.tegami.store.jdbc.MailHooks;
import org.tegami.store.jdbc.JdbcQueue;
import org.tegami.store.jdbc.JdbcClassifier;
import org.tegami.store.jdbc.JdbcAccounts;
import org.tegami.store.jdbc.Dialect;
import org.tegami.store.jdbc.Tx;

/**
 * The PostgreSQL store's side of {@link org.tegami.store.jdbc.JdbcMail}: blobs are committed before the metadata
 * naming them, whose write takes the blob's catalog row; change notices go to the other nodes (LISTEN/NOTIFY).
 */
final class PgMailHooks implements MailHooks {
    private final PgBlobStore blobs;
    private final JdbcQueue queue;
    private final LongSupplier uidValidity;
    private final PgDb db;

    PgMailHooks(PgDb db, PgBlobStore blobs, JdbcQueue queue, LongSupplier uidValidity) {
        this.db = db;
        this.blobs = blobs;
        this.queue = queue;
        this.uidValidity = uidValidity;
    }

    @Override
    public void claimBlob(Tx tx, BlobId blob, Object prepared) throws SQLException {
        blobs.claim(tx, blob);
    }

    @Override
    public void claimCopied(Tx tx, BlobId blob) throws SQLException {
        blobs.claim(tx, blob);
    }

    @Override
    public void publish(String what) {
        db.publish(what);
    }

    @Override
    public QueueId enqueue(Tx tx, BlobId blob, long size, Instant now, DeliveryRequest.Outbound out) throws SQLException {
        return JdbcQueue.enqueue(Dialect.POSTGRESQL, tx, blob, size, now, out);
    }

    @Override
    public void enqueued() {
        queue.enqueued();
    }

    @Override
    public void learn(Tx tx, AccountId account, MailboxId mailbox, Uid uid, ClassifierStore.Verdict verdict)
            throws SQLException {
        JdbcClassifier.queue(Dialect.POSTGRESQL, tx, account, mailbox, uid, verdict);
    }

    @Override
    public long nextMailboxId(Tx tx) throws SQLException {
        return Dialect.POSTGRESQL.nextId(tx, "mailbox_id");
    }

    @Override
    public long nextUidValidity(Tx tx) throws SQLException {
        return JdbcAccounts.nextUidValidity(tx, uidValidity);
    }
}
