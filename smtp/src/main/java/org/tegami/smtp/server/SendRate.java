package org.tegami.smtp.server;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.tegami.store.AccountId;

/**
 * Per-user submission rate: at most {@code perHour} accepted messages in any sliding hour, so a stolen password
 * cannot turn the server into a spam cannon before someone notices. Shared by the submission listeners.
 */
public final class SendRate {
    private static final Duration WINDOW = Duration.ofHours(1);
    private final int perHour;
    private final Map<AccountId, Deque<Instant>> sent = new ConcurrentHashMap<>();

    public SendRate(int perHour) {
        this.perHour = perHour;
    }

    public int perHour() {
        return perHour;
    }

    /** True while the account is under its limit. */
    boolean allows(AccountId account, Instant now) {
        Deque<Instant> d = sent.get(account);
        if (d == null) return true;
        synchronized (d) {
            while (!d.isEmpty() && !d.peekFirst().isAfter(now.minus(WINDOW))) d.removeFirst();
            return d.size() < perHour;
        }
    }

    /** Counts one accepted message. */
    void record(AccountId account, Instant now) {
        Deque<Instant> d = sent.computeIfAbsent(account, k -> new ArrayDeque<>());
        synchronized (d) {
            d.addLast(now);
            while (d.size() > perHour) d.removeFirst(); // bounded: older entries can no longer matter
        }
    }
}
