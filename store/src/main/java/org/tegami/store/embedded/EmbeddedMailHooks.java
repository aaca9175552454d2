package org.tegami.store.embedded;

import java.sql.SQLException;
import org.tegami.store.BlobId;
import org.tegami.store.jdbc.MailHooks;
import org.tegami.store.jdbc.Tx;

/**
 * The embedded store's side of {@link org.tegami.store.jdbc.JdbcMail}: small blobs are inserted in the same group
 * commit as the first message naming them (one fsync), and change notices stay in this process.
 */
final class EmbeddedMailHooks implements MailHooks {
    private final FileBlobStore blobs;

    EmbeddedMailHooks(FileBlobStore blobs) {
        this.blobs = blobs;
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
}
