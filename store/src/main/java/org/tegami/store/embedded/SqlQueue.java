package org.tegami.store.embedded;

import java.sql.SQLException;
import java.time.Instant;
import org.tegami.store.BlobId;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.QueueId;
import org.tegami.store.jdbc.Dialect;
import org.tegami.store.jdbc.JdbcQueue;
import org.tegami.store.jdbc.Tx;

/** {@link JdbcQueue} under the name {@link SqlMail} uses, until it moves to the shared layer. */
final class SqlQueue extends JdbcQueue {
    SqlQueue(Db db) {
        super(db);
    }

    static QueueId enqueue(Tx tx, BlobId blob, long size, Instant now, DeliveryRequest.Outbound out) throws SQLException {
        return enqueue(Dialect.SQLITE, tx, blob, size, now, out);
    }
}
