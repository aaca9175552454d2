package org.tegami.queue.tlsrpt;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
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
import java.util.function.Function;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Store;
import org.tegami.store.TlsReportStore;

/**
 * TLS reports (RFC 8460): the queue records every outbound TLS session's outcome per recipient domain; counts are
 * held in memory and added to the store once a minute; after each UTC day ends, every domain whose
 * {@code _smtp._tls} TXT record names {@code mailto:} destinations gets one gzip'd JSON report through the queue,
 * from {@code noreply-tlsrpt@<hostname>} with the null reverse-path (as DMARC reports are sent). {@code https:}
 * destinations are not used. Bounded like the DMARC reporter: {@link #MAX_PENDING_ROWS} distinct rows in memory,
 * {@link TlsReportStore#MAX_ROWS} per domain and day in the store, at most two destinations per domain.
 */
public final class TlsReporter implements AutoCloseable {
    private static final Logger LOG = System.getLogger(TlsReporter.class.getName());
    public static final int MAX_PENDING_ROWS = 20_000;
    public static final Duration FLUSH_EVERY = Duration.ofMinutes(1);
    static final int MAX_DESTINATIONS = 2;
    /** A TLSRPT record longer than this is ignored (a TXT RRset that large is an abuse, not a policy). */
    static final int MAX_RECORD = 4096;

    private record Key(String domain, long day) {}

    private final Store store;
    private final Function<String, Optional<String>> tlsrptRecord;
    private final String hostname;
    private final InstantSource clock;
    private final Map<Key, Map<String, Long>> pending = new HashMap<>();
    private int pendingRows;
    private int dropped;
    private org.tegami.core.Periodic periodic;

    /** @param tlsrptRecord the {@code v=TLSRPTv1} TXT record at a name, if any */
    public TlsReporter(Store store, Function<String, Optional<String>> tlsrptRecord, String hostname, InstantSource clock) {
        this.store = store;
        this.tlsrptRecord = tlsrptRecord;
        this.hostname = hostname.toLowerCase(Locale.ROOT);
        this.clock = clock;
    }

    public String from() {
        return "noreply-tlsrpt@" + hostname;
    }

    /** Counts one session to an MX host of {@code domain}. */
    public void record(String domain, TlsSession session) {
        String row = session.encode();
        Key key = new Key(domain.toLowerCase(Locale.ROOT), clock.instant().getEpochSecond() / 86_400);
        synchronized (this) {
            Map<String, Long> rows = pending.computeIfAbsent(key, k -> new HashMap<>());
            if (!rows.containsKey(row) && pendingRows >= MAX_PENDING_ROWS) {
                dropped++;
                return;
            }
            if (rows.merge(row, 1L, Long::sum) == 1L) pendingRows++;
        }
    }

    /** Adds the counts held in memory to the store. */
    public void flush() {
        Map<Key, Map<String, Long>> batch;
        int lost;
        synchronized (this) {
            batch = new HashMap<>(pending);
            lost = dropped;
            pending.clear();
            pendingRows = 0;
            dropped = 0;
        }
        batch.forEach((k, rows) -> store.tlsReports().add(k.domain(), k.day(), rows));
        if (lost > 0) LOG.log(Level.WARNING, lost + " TLS report rows dropped: more than " + MAX_PENDING_ROWS + " distinct rows in a minute");
    }

    /** Queues the reports of every domain's day that has ended; returns how many messages were queued. */
    public int sendDue() {
        long today = clock.instant().getEpochSecond() / 86_400;
        int sent = 0;
        for (TlsReportStore.Pending p : store.tlsReports().pending(today)) {
            try {
                sent += send(p);
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "TLS report for " + p.domain() + " (day " + p.day() + ") could not be made; dropped", e);
            }
            store.tlsReports().remove(p.domain(), p.day());
        }
        return sent;
    }

    /**
     * The {@code mailto:} destinations of a TLSRPT record (RFC 8460 §3: {@code v=TLSRPTv1; rua=URI[,URI]}); at most
     * {@link #MAX_DESTINATIONS}, each a valid address.
     */
    static List<String> destinations(String record) {
        List<String> out = new ArrayList<>();
        if (record.length() > MAX_RECORD) return out;
        String[] fields = record.split(";");
        if (fields.length == 0 || !fields[0].strip().equals("v=TLSRPTv1")) return out;
        for (String f : fields) {
            String t = f.strip();
            if (!t.regionMatches(true, 0, "rua=", 0, 4)) continue;
            for (String uri : t.substring(4).split(",")) {
                String u = uri.strip();
                if (!u.regionMatches(true, 0, "mailto:", 0, 7)) continue; // https: reports are not sent (yet)
                if (u.length() > 7 + 320) continue; // RFC 5321 §4.5.3.1: no address is longer, even %-encoded
                String addr;
                try {
                    addr = java.net.URLDecoder.decode(u.substring(7).replace("+", "%2B"), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    continue; // a broken %-escape (RFC 6068 §2)
                }
                if (EmailAddress.parse(addr).isPresent() && out.size() < MAX_DESTINATIONS && !out.contains(addr)) out.add(addr);
            }
        }
        return out;
    }

    private int send(TlsReportStore.Pending p) {
        Map<TlsSession, Long> sessions = new LinkedHashMap<>();
        store.tlsReports().rows(p.domain(), p.day()).forEach((line, n) ->
                TlsSession.decode(line).ifPresent(s -> sessions.merge(s, n, Long::sum)));
        if (sessions.isEmpty()) return 0;
        Optional<String> rec = tlsrptRecord.apply("_smtp._tls." + p.domain());
        List<String> to = rec.map(TlsReporter::destinations).orElse(List.of());
        if (to.isEmpty()) return 0;
        Instant begin = Instant.ofEpochSecond(p.day() * 86_400);
        String id = hostname + "." + p.day() + "." + p.domain();
        TlsReport report = new TlsReport(hostname, "postmaster@" + hostname, id, begin, begin.plusSeconds(86_399), p.domain(), sessions);
        byte[] gz = report.gzip();
        for (String address : to) queue(report, gz, address);
        return to.size();
    }

    /** RFC 8460 §5.3: multipart/report with report-type "tlsrpt", the gzip'd JSON as application/tlsrpt+gzip. */
    private void queue(TlsReport report, byte[] gz, String to) {
        byte[] mail = new org.tegami.mime.report.ReportMail(hostname + " TLS reports", from(), to, report.subject(),
                report.reportId() + "." + Integer.toHexString(to.hashCode()) + "@" + hostname,
                List.of("TLS-Report-Domain: " + report.domain(), "TLS-Report-Submitter: " + hostname), // RFC 8460 §5.3
                "multipart/report; report-type=\"tlsrpt\"",
                "This is an aggregate TLS report (RFC 8460) for " + report.domain() + " from " + hostname
                        + ",\ncovering " + report.begin() + " to " + report.end() + ".",
                "application/tlsrpt+gzip", report.fileName()).build(gz, clock.instant());
        org.tegami.store.GeneratedMail.queue(store, mail, to, hostname, Optional.empty(), clock.instant());
    }

    /** Flushes once a minute and sends what is due, on its own thread, until closed. */
    public TlsReporter start() {
        periodic = org.tegami.core.Periodic.start("tls-reports", FLUSH_EVERY, clock, () -> {
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
}
