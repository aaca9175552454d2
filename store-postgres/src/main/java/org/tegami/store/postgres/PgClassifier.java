package org.tegami.store.postgres;

import java.sql.SQLException;
import org.tegami.store.AccountId;
import org.tegami.store.ClassifierStore.Verdict;
import org.tegami.store.MailboxId;
import org.tegami.store.Uid;
import org.tegami.store.jdbc.Dialect;
import org.tegami.store.jdbc.JdbcClassifier;
import org.tegami.store.jdbc.Tx;

/** {@link JdbcClassifier#queue} under the name {@link PgMail} uses, until it moves to the shared layer. */
final class PgClassifier {
    private PgClassifier() {}

    static void queue(Tx tx, AccountId account, MailboxId mailbox, Uid uid, Verdict verdict) throws SQLException {
        JdbcClassifier.queue(Dialect.POSTGRESQL, tx, account, mailbox, uid, verdict);
    }
}
