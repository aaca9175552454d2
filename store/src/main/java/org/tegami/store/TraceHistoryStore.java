package org.tegami.store;

import java.util.Collection;
import java.util.List;

/**
 * The server's recent log lines about messages, for {@code tegami trace}: each line kept with the ids it names
 * (Message-ID, queue ids, SMTP transaction ids), so the path of one message is found by its ids without reading the
 * whole history. Bounded by age (the operator's retention) and by {@link #MAX_LINES}.
 */
public interface TraceHistoryStore {
    /** Lines kept at most, whatever the retention; the oldest go first. */
    long MAX_LINES = 2_000_000;
    /** Longest line kept; a longer one is cut. */
    int MAX_LINE = 8192;
    /** Ids per line kept at most (a line naming more is found by its first ones). */
    int MAX_KEYS = 16;

    /**
     * One log line: when it was written (epoch milliseconds), the line itself, and its lookup keys — each an id
     * with its kind, {@code m:<id@host>}, {@code q:123} or {@code t:TXID}.
     */
    record Line(long time, String text, List<String> keys) {}

    /** Saves lines, in one transaction. */
    void append(List<Line> lines);

    /** Lines naming any of the keys, oldest first, at most {@code limit}. */
    List<Line> find(Collection<String> keys, int limit);

    /**
     * Forgets lines written before {@code before} (epoch milliseconds) and the oldest beyond {@code maxLines};
     * returns how many went.
     */
    long prune(long before, long maxLines);
}
