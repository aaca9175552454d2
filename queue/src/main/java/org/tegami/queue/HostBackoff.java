package org.tegami.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Politeness per MX host: after a connection failure or a 421 from a host, deliveries to it wait (exponential,
 * capped) instead of each queued message trying again on its own schedule; the first success forgets the host.
 * Thread-safe. At most {@link #MAX_HOSTS} hosts are remembered (then the oldest expired ones are dropped).
 */
final class HostBackoff {
    static final int MAX_HOSTS = 10_000;

    private record State(int failures, Instant until) {}

    private final Duration first;
    private final Duration max;
    private final Map<String, State> hosts = new ConcurrentHashMap<>();

    HostBackoff(Duration first, Duration max) {
        this.first = first;
        this.max = max;
    }

    /** When the host may be tried again, if not yet. */
    Optional<Instant> blockedUntil(String host, Instant now) {
        State s = hosts.get(host.toLowerCase(Locale.ROOT));
        return s != null && s.until().isAfter(now) ? Optional.of(s.until()) : Optional.empty();
    }

    /** The host refused service (421, RFC 5321 §3.8) or could not be reached: wait longer each time. */
    void failed(String host, Instant now) {
        if (hosts.size() >= MAX_HOSTS) hosts.values().removeIf(s -> !s.until().isAfter(now));
        hosts.compute(host.toLowerCase(Locale.ROOT), (k, s) -> {
            int n = s == null ? 1 : s.failures() + 1;
            long wait = Math.min(first.toMillis() << Math.min(20, n - 1), max.toMillis());
            return new State(n, now.plusMillis(wait));
        });
    }

    /** The host took a transaction: no more waiting. */
    void succeeded(String host) {
        hosts.remove(host.toLowerCase(Locale.ROOT));
    }
}
