package org.tegami.store;

import java.util.List;
import java.util.Map;

/**
 * What TLS reports (RFC 8460) are made of until they are sent: per recipient (policy) domain and UTC day, a count of
 * outbound TLS sessions per row (an opaque line its writer encodes: policy, result, MX host). Bounded as
 * {@link DmarcReportStore}: at most {@link #MAX_ROWS} distinct rows per domain and day.
 */
public interface TlsReportStore {
    int MAX_ROWS = 10_000;

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
