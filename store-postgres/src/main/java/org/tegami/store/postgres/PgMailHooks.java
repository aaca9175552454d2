package org.tegami.store.postgres;

import java.sql.SQLException;
import org.tegami.store.BlobId;
import org.tegami.store.jdbc.MailHooks;
import org.tegami.store.jdbc.Tx;

/**
 * The PostgreSQL store's side of {@link org.tegami.store.jdbc.JdbcMail}: blobs are committed before the metadata
 * naming them, whose write takes the blob's catalog row; change notices go to the other nodes (LISTEN/NOTIFY).
 */
final class PgMailHooks implements MailHooks {
    private final PgBlobStore blobs;
    private final PgDb db;

    PgMailHooks(PgDb db, PgBlobStore blobs) {
        this.db = db;
        this.blobs = blobs;
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
}
