package org.tegami.delivery.forward;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.tegami.store.CoordinationFallback;
import org.tegami.store.CoordinationStore;

/**
 * Per-alias forwarding rate: each copy gets the earliest time at which no sliding hour holds more than
 * {@code perHour} copies of that alias, so a burst beyond the limit is spread over the following hours rather than
 * refused or sent at once. Kept in this process's memory on a store of one process (a restart forgets it); on a
 * store several nodes share ({@link #shared}) each copy is booked there, so the nodes together keep the limit
 * (ADR 0024). Should the shared store fail, this node books in its own memory meanwhile.
 */
public final class ForwardRate {
    private static final Duration WINDOW = Duration.ofHours(1);
    private final int perHour;
    /** Per alias, the last {@code perHour} send times, ascending (only the oldest of them bounds the next). */
    private final Map<String, ArrayDeque<Instant>> sent = new ConcurrentHashMap<>();
    /** Where the cluster books; null on a store of one process. */
    private final CoordinationStore shared;
    private final CoordinationFallback fallback = new CoordinationFallback("forwarding rate");

    /** A rate kept in this process's memory. */
    public ForwardRate(int perHour) {
        this(perHour, null);
    }

    private ForwardRate(int perHour, CoordinationStore shared) {
        this.perHour = perHour;
        this.shared = shared;
    }

    /** A rate booked across the nodes sharing {@code store}. */
    public static ForwardRate shared(int perHour, CoordinationStore store) {
        return new ForwardRate(perHour, store);
    }

    public int perHour() {
        return perHour;
    }

    /** Books one copy for {@code alias} and returns when it may go: {@code now}, or later when over the limit. */
    public Instant schedule(String alias, Instant now) {
        if (shared != null) {
            try {
                return shared.book("forward:" + alias, now, WINDOW, perHour);
            } catch (RuntimeException e) {
                fallback.failed(e);
            }
        }
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
