package org.tegami.delivery.forward;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-alias forwarding rate: each copy gets the earliest time at which no sliding hour holds more than
 * {@code perHour} copies of that alias, so a burst beyond the limit is spread over the following hours rather than
 * refused or sent at once. Kept in this process's memory (like the submission rate): a restart forgets it, and each
 * node of a cluster counts its own.
 */
public final class ForwardRate {
    private static final Duration WINDOW = Duration.ofHours(1);
    private final int perHour;
    /** Per alias, the last {@code perHour} send times, ascending (only the oldest of them bounds the next). */
    private final Map<String, ArrayDeque<Instant>> sent = new ConcurrentHashMap<>();

    public ForwardRate(int perHour) {
        this.perHour = perHour;
    }

    public int perHour() {
        return perHour;
    }

    /** Books one copy for {@code alias} and returns when it may go: {@code now}, or later when over the limit. */
    public Instant schedule(String alias, Instant now) {
        ArrayDeque<Instant> d = sent.computeIfAbsent(alias, k -> new ArrayDeque<>());
        synchronized (d) {
            Instant at = d.size() < perHour ? now : max(now, d.peekFirst().plus(WINDOW));
            d.addLast(at);
            while (d.size() > perHour) d.removeFirst(); // bounded: older times can no longer matter
            return at;
        }
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
