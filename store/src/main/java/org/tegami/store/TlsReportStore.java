package org.tegami.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What TLS reports (RFC 8460) are made of until they are sent: per recipient (policy) domain and UTC day, a count of
 * outbound TLS sessions per row (an opaque line its writer encodes: policy, result, MX host). Bounded as
 * {@link DmarcReportStore}: at most {@link #MAX_ROWS} distinct rows per domain and day. Also the summaries of the
 * reports other organizations send us ({@link Received}), at most {@link #MAX_RECEIVED}, oldest dropped first.
 */
public interface TlsReportStore {
    int MAX_ROWS = 10_000;
    /** Summaries of received reports kept (one per report and policy). */
    int MAX_RECEIVED = 100_000;

    /**
     * One policy of a TLS report we received (RFC 8460 §4.4), as {@code tegami tls-report} shows it. A report sent
     * twice (to two of our addresses, or again) is kept once: {@code reportId}, {@code policyDomain} and
     * {@code policyType} identify it.
     *
     * @param failureTypes result-type → failed sessions
     */
    record Received(Instant received, String organization, String reportId, Instant begin, Instant end,
                    String policyDomain, String policyType, long success, long failure, Map<String, Long> failureTypes) {
        public Received {
            failureTypes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(failureTypes));
        }
    }

    /** Keeps the policies of one received report, in one transaction; ones already kept are left as they are. */
    void addReceived(List<Received> policies);

    /** The received reports' policies that arrived at or after {@code since}, newest report first, its policies in order. */
    List<Received> received(Instant since);

    /** A domain's day with data waiting to be reported. */
    record Pending(String domain, long day) {}

    /** Adds counts (row → sessions), in one transaction. */
    void add(String domain, long day, Map<String, Long> rows);

    /** Every domain's day before {@code beforeDay} that has data, oldest first. */
    List<Pending> pending(long beforeDay);

    /** The rows of a domain's day, with their counts. */
    Map<String, Long> rows(String domain, long day);

    /** Forgets a domain's day (after its report went to the queue, or when it cannot be sent). */
    void remove(String domain, long day);
}
