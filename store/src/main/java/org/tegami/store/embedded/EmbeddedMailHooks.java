package org.tegami.store.embedded;

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
 * The embedded store's side of {@link org.tegami.store.jdbc.JdbcMail}: small blobs are inserted in the same group
 * commit as the first message naming them (one fsync), and change notices stay in this process.
 */
final class EmbeddedMailHooks implements MailHooks {
    private final FileBlobStore blobs;
    private final JdbcQueue queue;
    private final LongSupplier uidValidity;

    EmbeddedMailHooks(FileBlobStore blobs, JdbcQueue queue, LongSupplier uidValidity) {
        this.blobs = blobs;
        this.queue = queue;
        this.uidValidity = uidValidity;
    }

    @Override
    public Object beforeWrite(BlobId blob) {
        return blobs.pending(blob);
    }

    @Override
    public void claimBlob(Tx tx, BlobId blob, Object prepared) throws SQLException {
        blobs.claim(tx, blob, (FileBlobStore.Pending) prepared);
    }

    @Override
    public void afterWrite(Object prepared) {
        if (prepared != null) ((FileBlobStore.Pending) prepared).durable = true;
    }

    @Override
    public QueueId enqueue(Tx tx, BlobId blob, long size, Instant now, DeliveryRequest.Outbound out) throws SQLException {
        return JdbcQueue.enqueue(Dialect.SQLITE, tx, blob, size, now, out);
    }

    @Override
    public void enqueued() {
        queue.enqueued();
    }

    @Override
    public void learn(Tx tx, AccountId account, MailboxId mailbox, Uid uid, ClassifierStore.Verdict verdict)
            throws SQLException {
        JdbcClassifier.queue(Dialect.SQLITE, tx, account, mailbox, uid, verdict);
    }

    @Override
    public long nextMailboxId(Tx tx) throws SQLException {
        return Dialect.SQLITE.nextId(tx, "mailbox_id");
    }

    @Override
    public long nextUidValidity(Tx tx) throws SQLException {
        return JdbcAccounts.nextUidValidity(tx, uidValidity);
    }
}
