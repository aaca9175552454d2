package org.tegami.store;

import java.util.List;
import java.util.Map;

/**
 * What DMARC aggregate reports (RFC 7489 §7.2) are made of until they are sent: per policy domain and UTC day, the
 * record as published and a count per row. A row is an opaque line its writer encodes; the store only adds counts.
 * Bounded: a domain's day keeps at most {@link #MAX_ROWS} distinct rows (more only adds to the ones it has).
 */
public interface DmarcReportStore {
    /** Distinct rows one domain's day keeps; a flood of distinct rows cannot grow a report further. */
    int MAX_ROWS = 10_000;

    /** A domain's day with data waiting to be reported. */
    record Pending(String domain, long day, String record) {}

    /**
     * Adds counts, in one transaction.
     *
     * @param day    the UTC epoch day
     * @param record the DMARC record as last seen that day
     * @param rows   row → messages to add
     */
    void add(String domain, long day, String record, Map<String, Long> rows);

    /** Every domain's day before {@code beforeDay} that has data, oldest first. */
    List<Pending> pending(long beforeDay);

    /** The rows of a domain's day, with their counts. */
    Map<String, Long> rows(String domain, long day);

    /** Forgets a domain's day (after its report went to the queue, or when it cannot be sent). */
    void remove(String domain, long day);
}
