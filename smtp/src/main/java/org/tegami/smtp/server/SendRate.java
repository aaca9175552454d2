package org.tegami.smtp.server;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.tegami.store.AccountId;
import org.tegami.store.CoordinationFallback;
import org.tegami.store.CoordinationStore;

/**
 * Per-user submission rate: at most {@code perHour} accepted messages in any sliding hour, so a stolen password
 * cannot turn the server into a spam cannon before someone notices. Shared by the submission listeners; on a store
 * several nodes share ({@link #shared}) the count is the cluster's (ADR 0024), with this node's own as the floor and
 * the fallback when the shared store fails.
 */
public final class SendRate {
    private static final Duration WINDOW = Duration.ofHours(1);
    private final int perHour;
    private final Map<AccountId, Deque<Instant>> sent = new ConcurrentHashMap<>();
    /** The cluster's counts; null on a store of one process. */
    private final CoordinationStore shared;
    private final CoordinationFallback fallback = new CoordinationFallback("submission rate");

    /** A rate counted in this process's memory. */
    public SendRate(int perHour) {
        this(perHour, null);
    }

    private SendRate(int perHour, CoordinationStore shared) {
        this.perHour = perHour;
        this.shared = shared;
    }

    /** A rate counted across the nodes sharing {@code store}. */
    public static SendRate shared(int perHour, CoordinationStore store) {
        return new SendRate(perHour, store);
    }

    public int perHour() {
        return perHour;
    }

    /** True while the account is under its limit. */
    boolean allows(AccountId account, Instant now) {
        if (localCount(account, now) >= perHour) return false;
        if (shared == null) return true;
        try {
            return shared.recent(key(account), now.minus(WINDOW), perHour).count() < perHour;
        } catch (RuntimeException e) {
            fallback.failed(e);
            return true; // this node's own count said yes
        }
    }

    /** Counts one accepted message. */
    void record(AccountId account, Instant now) {
        Deque<Instant> d = sent.computeIfAbsent(account, k -> new ArrayDeque<>());
        synchronized (d) {
            d.addLast(now);
            while (d.size() > perHour) d.removeFirst(); // bounded: older entries can no longer matter
        }
        if (shared == null) return;
        try {
            shared.record(key(account), now, perHour);
        } catch (RuntimeException e) {
            fallback.failed(e);
        }
    }

    private int localCount(AccountId account, Instant now) {
        Deque<Instant> d = sent.get(account);
        if (d == null) return 0;
        synchronized (d) {
            while (!d.isEmpty() && !d.peekFirst().isAfter(now.minus(WINDOW))) d.removeFirst();
            return d.size();
        }
    }

    private static String key(AccountId account) {
        return "send:" + account.value();
    }
}
