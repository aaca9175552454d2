package org.tegami.store.embedded;

import java.nio.file.Path;
import java.time.InstantSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.Store;
import org.tegami.store.StoreLifecycleContract;

/** Runs the store contracts against the embedded SQLite + files store in a temporary directory. */
class EmbeddedStoreTest implements StoreLifecycleContract, org.tegami.store.PipelineStoreContract, org.tegami.store.MailRolesContract,
        org.tegami.store.GreylistStoreContract, org.tegami.store.DmarcReportStoreContract,
        org.tegami.store.SieveScriptStoreContract, org.tegami.store.FetchSourceStoreContract,
        org.tegami.store.TlsReportStoreContract, org.tegami.store.TraceHistoryStoreContract,
        org.tegami.store.CoordinationStoreContract {
    @TempDir
    Path dir;
    private Store store;
    private Store second;

    @Override
    public Store store() {
        if (store == null) store = EmbeddedStore.open(dir, InstantSource.fixed(NOW));
        return store;
    }

    @Override
    public Store reopen() {
        if (store != null) store.close();
        store = EmbeddedStore.open(dir, InstantSource.fixed(NOW));
        return store;
    }

    @Override
    public Store second() {
        if (second == null) second = EmbeddedStore.open(dir, InstantSource.fixed(NOW));
        return second;
    }

    @AfterEach
    void close() {
        if (store != null) store.close();
        if (second != null) second.close();
    }
}
