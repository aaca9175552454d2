package org.tegami.store;

/** The store's roles, opened together on one data directory. */
public interface Store extends AutoCloseable {

    AccountStore accounts();

    MailStore mail();

    BlobStore blobs();

    QueueStore queue();

    /** The spam classifier's per-account model and learning queue. */
    ClassifierStore classifier();

    /** Greylisting's triples. */
    GreylistStore greylist();

    /** DMARC aggregate report data waiting to be sent. */
    DmarcReportStore dmarcReports();

    /** TLS report (RFC 8460) data waiting to be sent. */
    TlsReportStore tlsReports();

    /** Each account's Sieve scripts (ManageSieve, delivery's user rules). */
    SieveScriptStore sieve();

    /** Other accounts users collect mail from ({@code tegami fetch}). */
    FetchSourceStore fetchSources();

    /** Recent log lines about messages, by the ids they name ({@code tegami trace}). */
    TraceHistoryStore traceHistory();

    /** Sliding-window counts and leases the nodes sharing this store coordinate through (throttles, POP3 locks). */
    CoordinationStore coordination();

    @Override
    void close();
}
