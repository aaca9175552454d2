package org.tegami.store.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.InstantSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.Store;
import org.tegami.store.StoreLifecycleContract;
import org.tegami.store.embedded.FileObjects;
import org.tegami.testkit.TestPostgres;

/**
 * Runs every store contract against {@link PostgresStore} on a real PostgreSQL (a fresh database per test) with
 * large blobs in {@link org.tegami.store.embedded.FileObjects} under a temporary directory.
 */
class PostgresStoreTest implements StoreLifecycleContract, org.tegami.store.PipelineStoreContract, org.tegami.store.MailRolesContract,
        org.tegami.store.GreylistStoreContract, org.tegami.store.DmarcReportStoreContract,
        org.tegami.store.SieveScriptStoreContract, org.tegami.store.FetchSourceStoreContract,
        org.tegami.store.TlsReportStoreContract, org.tegami.store.TraceHistoryStoreContract,
        org.tegami.store.CoordinationStoreContract {
    @TempDir
    Path dir;
    private TestPostgres.Database db;
    private Store store;
    private Store second;

    @BeforeEach
    void database() {
        Assumptions.assumeTrue(TestPostgres.available(), TestPostgres.WHY_MISSING);
        db = TestPostgres.get().newDatabase();
    }

    private Store open() {
        try {
            return PostgresStore.open(db.url(), db.user(), db.password(), FileObjects.directory(dir.resolve("objects")),
                    InstantSource.fixed(NOW));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Store store() {
        if (store == null) store = open();
        return store;
    }

    @Override
    public Store reopen() {
        if (store != null) store.close();
        store = open();
        return store;
    }

    @Override
    public Store second() {
        if (second == null) second = open();
        return second;
    }

    @AfterEach
    void close() {
        if (store != null) store.close();
        if (second != null) second.close();
    }
}
