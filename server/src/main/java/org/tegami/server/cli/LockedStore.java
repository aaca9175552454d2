package org.tegami.server.cli;

import org.tegami.store.AccountStore;
import org.tegami.store.BlobStore;
import org.tegami.store.ClassifierStore;
import org.tegami.store.CoordinationStore;
import org.tegami.store.DmarcReportStore;
import org.tegami.store.FetchSourceStore;
import org.tegami.store.GreylistStore;
import org.tegami.store.MailStore;
import org.tegami.store.QueueStore;
import org.tegami.store.SieveScriptStore;
import org.tegami.store.Store;
import org.tegami.store.TlsReportStore;
import org.tegami.store.TraceHistoryStore;

/**
 * An admin command's store, holding its lock shared until it is closed: the data directory's on the embedded store
 * ({@link org.tegami.server.DataDirLock#admin}), the migration's advisory lock on PostgreSQL
 * ({@link org.tegami.server.migrate.MigrateLock#shared}).
 */
final class LockedStore implements Store {
    private final Store store;
    private final Runnable unlock;

    LockedStore(Store store, Runnable unlock) {
        this.store = store;
        this.unlock = unlock;
    }

    @Override public AccountStore accounts() { return store.accounts(); }
    @Override public MailStore mail() { return store.mail(); }
    @Override public BlobStore blobs() { return store.blobs(); }
    @Override public QueueStore queue() { return store.queue(); }
    @Override public ClassifierStore classifier() { return store.classifier(); }
    @Override public GreylistStore greylist() { return store.greylist(); }
    @Override public DmarcReportStore dmarcReports() { return store.dmarcReports(); }
    @Override public TlsReportStore tlsReports() { return store.tlsReports(); }
    @Override public SieveScriptStore sieve() { return store.sieve(); }
    @Override public FetchSourceStore fetchSources() { return store.fetchSources(); }
    @Override public TraceHistoryStore traceHistory() { return store.traceHistory(); }
    @Override public CoordinationStore coordination() { return store.coordination(); }

    @Override
    public void close() {
        try {
            store.close();
        } finally {
            unlock.run();
        }
    }
}
