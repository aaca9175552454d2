package org.tegami.store.postgres;

import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.tegami.store.AccountStore;
import org.tegami.store.BlobStore;
import org.tegami.store.ClassifierStore;
import org.tegami.store.DmarcReportStore;
import org.tegami.store.FetchSourceStore;
import org.tegami.store.GreylistStore;
import org.tegami.store.MailStore;
import org.tegami.store.ObjectStorage;
import org.tegami.store.QueueStore;
import org.tegami.store.SieveScriptStore;
import org.tegami.store.Store;
import org.tegami.store.TlsReportStore;
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
 * The store on PostgreSQL (metadata, queue, coordination) with blob bytes above {@link PgBlobStore#INLINE_MAX} in
 * an {@link ObjectStorage}: several identical nodes may open the same database. Changes committed on one node wake
 * the change feed of every other (LISTEN/NOTIFY). See docs/adr/0020-postgresql-store.md.
 */
public final class PostgresStore implements Store {
    /** Connections per pool per node (one pool for reads, one for writes); callers beyond this wait for one. */
    public static final int POOL_SIZE = 10;

    private final PgDb db;
    private final ObjectStorage objects;
    private final PgBlobStore blobs;
    private final JdbcAccounts accounts;
    private final JdbcMail mail;
    private final JdbcQueue queue;
    private final JdbcClassifier classifier;
    private final JdbcGreylist greylist;
    private final JdbcCoordination coordination;
    private final JdbcDmarcReports dmarcReports;
    private final JdbcTlsReports tlsReports;
    private final JdbcSieve sieve;
    private final JdbcTraceHistory traceHistory;
    private final JdbcFetchSources fetchSources;

    private PostgresStore(PgDb db, ObjectStorage objects, InstantSource clock, LongSupplier uidValidity, int inlineMax) {
        this.db = db;
        this.objects = objects;
        blobs = new PgBlobStore(db, objects, inlineMax);
        accounts = new JdbcAccounts(db, uidValidity);
        queue = new JdbcQueue(db);
        mail = new JdbcMail(db, new PgMailHooks(db, blobs), queue, uidValidity, clock);
        classifier = new JdbcClassifier(db);
        greylist = new JdbcGreylist(db);
        coordination = new JdbcCoordination(db);
        dmarcReports = new JdbcDmarcReports(db);
        tlsReports = new JdbcTlsReports(db);
        sieve = new JdbcSieve(db);
        traceHistory = new JdbcTraceHistory(db);
        fetchSources = new JdbcFetchSources(db);
        db.listen(this::remote, () -> {
            mail.feed().wakeAll();
            queue.remoteEnqueued();
        });
    }

    private void remote(String what) {
        if (what.equals("q")) queue.remoteEnqueued();
        else mail.feed().remote(what);
    }

    /** The schema version this code writes ({@code tegami_schema.version}); {@code tegami migrate} checks a source against it. */
    public static int schemaVersion() {
        return PgSchema.latest();
    }

    /**
     * Opens (and migrates, once across nodes) the store at a JDBC URL ({@code jdbc:postgresql://host:5432/db}), with
     * blob bytes in {@code objects}, which the store closes with itself.
     */
    public static PostgresStore open(String url, String user, String password, ObjectStorage objects, InstantSource clock) {
        AtomicLong last = new AtomicLong();
        // RFC 9051 §2.3.1.1: UIDVALIDITY must grow when a name is reused; seconds since 1970 fit in 32 bits.
        return open(url, user, password, objects, clock,
                () -> last.updateAndGet(prev -> Math.max(prev + 1, clock.instant().getEpochSecond())));
    }

    public static PostgresStore open(String url, String user, String password, ObjectStorage objects,
                                     InstantSource clock, LongSupplier uidValidity) {
        return open(url, user, password, objects, clock, uidValidity, PgBlobStore.INLINE_MAX);
    }

    /** With blobs up to {@code inlineMax} bytes inline in PostgreSQL; 0 puts every blob in object storage. */
    static PostgresStore open(String url, String user, String password, ObjectStorage objects, InstantSource clock,
                              LongSupplier uidValidity, int inlineMax) {
        PgDb db = new PgDb(url, user, password, POOL_SIZE);
        try {
            return new PostgresStore(db, objects, clock, uidValidity, inlineMax);
        } catch (RuntimeException e) {
            db.close();
            throw e;
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
    public ClassifierStore classifier() {
        return classifier;
    }

    @Override
    public GreylistStore greylist() {
        return greylist;
    }

    @Override
    public DmarcReportStore dmarcReports() {
        return dmarcReports;
    }

    @Override
    public TlsReportStore tlsReports() {
        return tlsReports;
    }

    @Override
    public SieveScriptStore sieve() {
        return sieve;
    }

    @Override
    public org.tegami.store.TraceHistoryStore traceHistory() {
        return traceHistory;
    }

    @Override
    public org.tegami.store.CoordinationStore coordination() {
        return coordination;
    }

    @Override
    public FetchSourceStore fetchSources() {
        return fetchSources;
    }

    /** Writes retried after a serialization conflict or deadlock since this instance opened. */
    public long retries() {
        return db.retries();
    }

    /** Read transactions this store began so far, a group of reads ({@link org.tegami.store.ReadGroup}) once. */
    public long readTransactions() {
        return db.readTransactions();
    }

    @Override
    public void close() {
        db.close();
        objects.close();
    }
}
