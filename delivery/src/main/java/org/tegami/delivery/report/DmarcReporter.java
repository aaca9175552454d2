package org.tegami.delivery.report;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.tegami.mailauth.AuthenticationResult;
import org.tegami.mailauth.dkim.DkimSyntaxException;
import org.tegami.mailauth.dmarc.AggregateReport;
import org.tegami.mailauth.dmarc.DmarcPolicy;
import org.tegami.mailauth.dmarc.DmarcRecord;
import org.tegami.mailauth.dmarc.OrganizationalDomain;
import org.tegami.mailauth.dmarc.ReportRow;
import org.tegami.mailauth.dmarc.ReportUri;
import org.tegami.mailauth.dns.Dns;
import org.tegami.store.DmarcReportStore;
import org.tegami.store.Store;

/**
 * DMARC aggregate reports (RFC 7489 §7.2): the inbound pipeline records one row per message from a domain whose
 * DMARC record asks for reports ({@code rua=}); rows are counted in memory and added to the store once a minute (a
 * crash loses at most that minute of statistics, never mail), and after each UTC day ends every domain's day is
 * sent as one gzip'd XML report through the outbound queue, from {@code noreply-dmarc@<hostname>} with the null
 * reverse-path (so a failing report never bounces back and forth), DKIM-signed when the host name has keys.
 *
 * <p>A destination outside the policy domain's organizational domain gets reports only when it agreed to in DNS
 * (RFC 7489 §7.1: a {@code v=DMARC1} TXT record at {@code <policy-domain>._report._dmarc.<destination-domain>});
 * otherwise anyone could publish a record that sends our reports to a third party. A destination's size limit
 * ({@code !10m}) is honoured by not sending it a larger report. At most two destinations per record are used.
 *
 * <p>Bounded: at most {@link #MAX_PENDING_ROWS} distinct rows in memory between flushes, and the store keeps at most
 * {@link DmarcReportStore#MAX_ROWS} per domain and day; more are counted nowhere (and logged once a flush).
 */
public final class DmarcReporter implements AutoCloseable {
    private static final Logger LOG = System.getLogger(DmarcReporter.class.getName());
    /** Distinct rows held in memory between flushes. */
    public static final int MAX_PENDING_ROWS = 20_000;
    /** How often counts go to the store. */
    public static final Duration FLUSH_EVERY = Duration.ofMinutes(1);

    private record Key(String domain, long day) {}

    private final Store store;
    private final Dns dns;
    private final String hostname;
    private final InstantSource clock;
    private final Map<Key, String> records = new HashMap<>();
    private final Map<Key, Map<String, Long>> pending = new HashMap<>();
    private int pendingRows;
    private int dropped;
    private org.tegami.core.Periodic periodic;

    /** @param hostname who reports ({@code org_name}), and the domain of the report's From address */
    public DmarcReporter(Store store, Dns dns, String hostname, InstantSource clock) {
        this.store = store;
        this.dns = dns;
        this.hostname = hostname.toLowerCase(Locale.ROOT);
        this.clock = clock;
    }

    /** The address reports come from. */
    public String from() {
        return "noreply-dmarc@" + hostname;
    }

    /**
     * Counts one message, if its DMARC record asks for aggregate reports.
     *
     * @param mailFrom the MAIL FROM address, empty for the null sender
     * @param applied  the disposition we applied
     * @param override why it differs from what the policy asked (a {@code PolicyOverrideType}), or empty
     */
    public void record(AuthenticationResult r, InetAddress client, String mailFrom, DmarcPolicy applied, Optional<String> override) {
        Optional<DmarcRecord> rec = r.dmarc().record();
        String domain = r.dmarc().policyDomain();
        if (rec.isEmpty() || rec.get().rua().isEmpty() || domain == null || domain.isEmpty()) return;
        String row = ReportRow.of(r, client, mailFrom, applied, override).encode();
        Key key = new Key(domain.toLowerCase(Locale.ROOT), clock.instant().getEpochSecond() / 86_400);
        synchronized (this) {
            Map<String, Long> rows = pending.computeIfAbsent(key, k -> new HashMap<>());
            if (!rows.containsKey(row) && pendingRows >= MAX_PENDING_ROWS) {
                dropped++;
                return;
            }
            if (rows.merge(row, 1L, Long::sum) == 1L) pendingRows++;
            records.put(key, rec.get().toText());
        }
    }

    /** Adds the counts held in memory to the store. */
    public void flush() {
        Map<Key, Map<String, Long>> batch;
        Map<Key, String> recs;
        int lost;
        synchronized (this) {
            batch = new HashMap<>(pending);
            recs = new HashMap<>(records);
            lost = dropped;
            pending.clear();
            records.clear();
            pendingRows = 0;
            dropped = 0;
        }
        for (Map.Entry<Key, Map<String, Long>> e : batch.entrySet()) {
            store.dmarcReports().add(e.getKey().domain(), e.getKey().day(), recs.get(e.getKey()), e.getValue());
        }
        if (lost > 0) LOG.log(Level.WARNING, lost + " DMARC report rows dropped: more than " + MAX_PENDING_ROWS + " distinct rows in a minute");
    }

    /**
     * Queues the reports of every domain's day that has ended; returns how many report messages were queued.
     * A day's data is removed once its reports are queued (or found unsendable), so each is sent once.
     */
    public int sendDue() {
        long today = clock.instant().getEpochSecond() / 86_400;
        int sent = 0;
        for (DmarcReportStore.Pending p : store.dmarcReports().pending(today)) {
            try {
                sent += send(p);
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "DMARC report for " + p.domain() + " (day " + p.day() + ") could not be made; dropped", e);
            }
            store.dmarcReports().remove(p.domain(), p.day());
        }
        return sent;
    }

    private int send(DmarcReportStore.Pending p) {
        DmarcRecord policy;
        try {
            policy = DmarcRecord.parse(p.record());
        } catch (DkimSyntaxException e) {
            LOG.log(Level.WARNING, "stored DMARC record of " + p.domain() + " unreadable: " + e.getMessage());
            return 0;
        }
        Map<ReportRow, Long> rows = new LinkedHashMap<>();
        store.dmarcReports().rows(p.domain(), p.day()).forEach((line, n) ->
                ReportRow.decode(line).ifPresent(r -> rows.merge(r, n, Long::sum)));
        if (rows.isEmpty()) return 0;
        Instant begin = Instant.ofEpochSecond(p.day() * 86_400);
        String id = hostname + "." + p.day() + "." + p.domain();
        AggregateReport report = new AggregateReport(hostname, from(), id, begin, begin.plusSeconds(86_399), p.domain(), policy, rows);
        byte[] gz = report.gzip();
        int sent = 0;
        for (ReportUri to : policy.rua()) {
            if (to.maxBytes() > 0 && gz.length > to.maxBytes()) {
                LOG.log(Level.INFO, "DMARC report for " + p.domain() + " (" + gz.length + " bytes) is over the "
                        + to.maxBytes() + " bytes " + to.address() + " takes; not sent there");
                continue;
            }
            if (!authorized(p.domain(), to.address())) {
                LOG.log(Level.INFO, "DMARC reports for " + p.domain() + " not sent to " + to.address()
                        + ": its domain does not publish that it accepts them (RFC 7489 section 7.1)");
                continue;
            }
            queue(report, gz, to.address());
            sent++;
        }
        return sent;
    }

    /**
     * RFC 7489 §7.1: reports may go to a destination in another organizational domain only when that domain
     * publishes {@code <policy-domain>._report._dmarc.<destination-domain>} with a {@code v=DMARC1} record. A DNS
     * failure counts as no (the report is not retried: this is statistics, and another day's will come).
     */
    boolean authorized(String policyDomain, String address) {
        String destination = address.substring(address.lastIndexOf('@') + 1);
        if (OrganizationalDomain.relaxedAligned(policyDomain, destination)) return true;
        for (String txt : dns.txt(policyDomain + "._report._dmarc." + destination).valuesOrEmpty()) {
            if (DmarcRecord.isDmarc(txt)) return true;
        }
        return false;
    }

    private void queue(AggregateReport report, byte[] gz, String to) {
        // RFC 7489 §7.2.1.1: the report gzip'd as an attachment, the prescribed subject and file name
        byte[] mail = new org.tegami.mime.report.ReportMail(hostname + " DMARC reports", from(), to, report.subject(),
                report.reportId() + "." + Integer.toHexString(to.hashCode()) + "@" + hostname, List.of(), "multipart/mixed",
                "This is a DMARC aggregate report (RFC 7489) for " + report.domain() + " from " + hostname
                        + ",\ncovering " + report.begin() + " to " + report.end() + ".",
                "application/gzip", report.fileName()).build(gz, clock.instant());
        org.tegami.store.GeneratedMail.queue(store, mail, to, hostname, Optional.empty(), clock.instant());
    }

    /** Flushes once a minute and sends what is due, on its own thread, until closed. */
    public DmarcReporter start() {
        periodic = org.tegami.core.Periodic.start("dmarc-reports", FLUSH_EVERY, clock, () -> {
            flush();
            sendDue();
        }, this::flush);
        return this;
    }

    /** Stops the thread and flushes what is held in memory. */
    @Override
    public void close() {
        if (periodic != null) periodic.close();
        else flush();
    }

    /** For the startup summary. */
    public List<String> describe() {
        return new ArrayList<>(List.of("aggregate reports sent daily to domains that ask (rua=), from " + from()));
    }
}
