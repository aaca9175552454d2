package org.tegami.store.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.tegami.core.PrivateFiles;
import org.tegami.core.StoreException;
import org.tegami.store.AccountStore;
import org.tegami.store.BlobStore;
import org.tegami.store.MailStore;
import org.tegami.store.ObjectStorage;
import org.tegami.store.QueueStore;
import org.tegami.store.Store;
import org.tegami.store.jdbc.JdbcAccounts;
import org.tegami.store.jdbc.JdbcClassifier;
import org.tegami.store.jdbc.JdbcDmarcReports;
import org.tegami.store.jdbc.JdbcFetchSources;
import org.tegami.store.jdbc.JdbcCoordination;
import org.tegami.store.jdbc.JdbcGreylist;
import org.tegami.store.jdbc.JdbcSieve;
import org.tegami.store.jdbc.JdbcMail;
import org.tegami.store.jdbc.JdbcQueue;
import org.tegami.store.jdbc.JdbcTlsReports;
import org.tegami.store.jdbc.JdbcTraceHistory;

/**
 * The embedded default store: SQLite (WAL, {@code synchronous=FULL}) for metadata in {@code meta.db} and
 * content-addressed blob files under {@code blobs/}, in one data directory. Several processes may open the same
 * directory (the server and admin commands). See docs/adr/0002-embedded-store.md.
 */
public final class EmbeddedStore implements Store {
    private final Db db;
    private final FileBlobStore blobs;
    private final JdbcAccounts accounts;
    private final JdbcMail mail;
    private final JdbcQueue queue;
    private final JdbcClassifier classifier;
    private final JdbcGreylist greylist;
    private final JdbcCoordination coordination;
    private final JdbcDmarcReports dmarcReports;
    private final JdbcTlsReports tlsReports;
    private final JdbcSieve sieve;
    private final JdbcFetchSources fetchSources;
    private final JdbcTraceHistory traceHistory;

    private final ObjectStorage objects;

    private EmbeddedStore(Path dataDir, InstantSource clock, LongSupplier uidValidity, int inlineMax,
            ObjectStorage given) throws IOException {
        privateDataDirectory(dataDir);
        db = new Db(dataDir.resolve("meta.db"));
        try {
            objects = given != null ? given : new FileObjects(dataDir);
            blobs = new FileBlobStore(objects, db, inlineMax);
        } catch (IOException | RuntimeException e) {
            db.close(); // do not leave the writer thread and connections behind
            if (given != null) given.close();
            throw e;
        }
        accounts = new JdbcAccounts(db, uidValidity);
        queue = new JdbcQueue(db);
        mail = new JdbcMail(db, new EmbeddedMailHooks(blobs), queue, uidValidity, clock);
        classifier = new JdbcClassifier(db);
        greylist = new JdbcGreylist(db);
        coordination = new JdbcCoordination(db);
        dmarcReports = new JdbcDmarcReports(db);
        tlsReports = new JdbcTlsReports(db);
        sieve = new JdbcSieve(db);
        fetchSources = new JdbcFetchSources(db);
        traceHistory = new JdbcTraceHistory(db);
    }

    /**
     * The data directory holds password hashes and everyone's mail: 0700, and the database files 0600 (SQLite
     * creates its -wal and -shm files with the database file's mode). An older, wider directory is tightened.
     */
    private static void privateDataDirectory(Path dataDir) throws IOException {
        boolean existed = Files.isDirectory(dataDir);
        PrivateFiles.directories(dataDir);
        if (existed && PrivateFiles.restrict(dataDir)) {
            System.getLogger(EmbeddedStore.class.getName()).log(System.Logger.Level.WARNING,
                    "the data directory " + dataDir + " was readable by other users; it is now 0700");
        }
        Path meta = dataDir.resolve("meta.db");
        if (!Files.exists(meta)) {
            try {
                Files.createFile(meta, PrivateFiles.fileMode());
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another process created it
            }
        }
        for (String f : new String[] {"meta.db", "meta.db-wal", "meta.db-shm"}) PrivateFiles.restrict(dataDir.resolve(f));
    }

    public static EmbeddedStore open(Path dataDir, InstantSource clock) {
        AtomicLong last = new AtomicLong();
        // RFC 9051 §2.3.1.1: UIDVALIDITY must grow when a name is reused; seconds since 1970 fit in 32 bits.
        return open(dataDir, clock, () -> last.updateAndGet(prev -> Math.max(prev + 1, clock.instant().getEpochSecond())));
    }

    public static EmbeddedStore open(Path dataDir, InstantSource clock, LongSupplier uidValiditySource) {
        return open(dataDir, clock, uidValiditySource, FileBlobStore.INLINE_MAX, null);
    }

    /**
     * With large blobs in {@code objects} (an S3 bucket, say) instead of files under the data directory; the store
     * closes it. Metadata stays in this data directory, so a store opened this way serves one node.
     */
    public static EmbeddedStore open(Path dataDir, InstantSource clock, ObjectStorage objects) {
        AtomicLong last = new AtomicLong();
        return open(dataDir, clock, () -> last.updateAndGet(prev -> Math.max(prev + 1, clock.instant().getEpochSecond())),
                FileBlobStore.INLINE_MAX, objects);
    }

    /** With blobs up to {@code inlineMax} bytes kept in SQLite; 0 makes every blob a file (tests, measurements). */
    static EmbeddedStore open(Path dataDir, LongSupplier uidValiditySource, int inlineMax) {
        return open(dataDir, InstantSource.system(), uidValiditySource, inlineMax, null);
    }

    /** As {@link #open(Path, LongSupplier, int)}, with large blobs in {@code objects} (tests). */
    public static EmbeddedStore open(Path dataDir, LongSupplier uidValiditySource, int inlineMax, ObjectStorage objects) {
        return open(dataDir, InstantSource.system(), uidValiditySource, inlineMax, objects);
    }

    private static EmbeddedStore open(Path dataDir, InstantSource clock, LongSupplier uidValiditySource, int inlineMax,
            ObjectStorage objects) {
        try {
            return new EmbeddedStore(dataDir, clock, uidValiditySource, inlineMax, objects);
        } catch (IOException e) {
            throw new StoreException("cannot open the data directory " + dataDir + ": " + e.getMessage()
                    + " (check that it exists and is writable by this user)", e);
        }
    }

    @Override
    public AccountStore accounts() {
        return accounts;
    }

    @Override
    public MailStore mail() {
        return mail;
    }

    @Override
    public BlobStore blobs() {
        return blobs;
    }

    @Override
    public QueueStore queue() {
        return queue;
    }

    @Override
    public org.tegami.store.ClassifierStore classifier() {
        return classifier;
    }

    @Override
    public org.tegami.store.GreylistStore greylist() {
        return greylist;
    }

    @Override
    public org.tegami.store.DmarcReportStore dmarcReports() {
        return dmarcReports;
    }

    @Override
    public org.tegami.store.TlsReportStore tlsReports() {
        return tlsReports;
    }

    @Override
    public org.tegami.store.SieveScriptStore sieve() {
        return sieve;
    }

    @Override
    public org.tegami.store.FetchSourceStore fetchSources() {
        return fetchSources;
    }

    @Override
    public org.tegami.store.TraceHistoryStore traceHistory() {
        return traceHistory;
    }

    @Override
    public org.tegami.store.CoordinationStore coordination() {
        return coordination;
    }

    Db db() {
        return db;
    }

    /** Where large blobs live, for the startup summary. */
    public ObjectStorage objects() {
        return objects;
    }

    @Override
    public void close() {
        db.close();
        objects.close();
    }
}
