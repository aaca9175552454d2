package org.tegami.store.postgres;

import java.sql.SQLException;
import org.tegami.store.BlobId;
import org.tegami.store.jdbc.MailHooks;
import org.tegami.store.jdbc.Tx;

/**
 * The PostgreSQL store's side of {@link org.tegami.store.jdbc.JdbcMail}: a write that names a blob takes its catalog
 * row, inserting it when it is this process's pending inline blob (so both commit together); change notices go to
 * the other nodes (LISTEN/NOTIFY).
 */
final class PgMailHooks implements MailHooks {
    private final PgBlobStore blobs;
    private final PgDb db;

    PgMailHooks(PgDb db, PgBlobStore blobs) {
        this.db = db;
        this.blobs = blobs;
    }

    /** This process's pending inline blob, which the write inserts in its own transaction (one commit, not two). */
    @Override
    public Object beforeWrite(BlobId blob) {
        return blobs.pending(blob);
    }

    @Override
    public void claimBlob(Tx tx, BlobId blob, Object prepared) throws SQLException {
        blobs.claim(tx, blob, (PgBlobStore.Hold) prepared);
    }

    @Override
    public void claimCopied(Tx tx, BlobId blob) throws SQLException {
        blobs.claim(tx, blob);
    }

    @Override
    public void publish(String what) {
        db.publish(what);
    }
}
