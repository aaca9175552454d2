package org.tegami.auth;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Failed-login throttle shared by SMTP, IMAP and POP3. Failures are counted per client address (IPv6 per /64)
 * and per account over a sliding window: from the third failure each one is answered after a growing delay
 * (1, 2, 4, then 8 s), and after {@link #REFUSE_AFTER} failures logins are refused until old failures age out.
 * No address is exempt, loopback included. Memory is bounded: the least recently used keys are dropped.
 * Thread-safe.
 */
public final class LoginThrottle {
    static final int REFUSE_AFTER = 10;
    static final Duration WINDOW = Duration.ofMinutes(15);
    static final Duration MIN_REFUSAL = Duration.ofMinutes(1);
    static final int MAX_KEYS = 100_000;

    private final InstantSource clock;
    private final Map<String, Deque<Instant>> failures = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Deque<Instant>> eldest) {
            return size() > MAX_KEYS;
        }
    };

    public LoginThrottle(InstantSource clock) {
        this.clock = clock;
    }

    public LoginThrottle() {
        this(InstantSource.system());
    }

    /** Present while logins from this address or for this account are refused; how long to wait. */
    public synchronized Optional<Duration> refusal(InetAddress ip, String account) {
        Instant now = clock.instant();
        Duration wait = Duration.ZERO;
        for (String key : new String[] {ipKey(ip), accountKey(account)}) {
            Deque<Instant> d = recent(key, now);
            if (d != null && d.size() >= REFUSE_AFTER) {
                Duration w = Duration.between(now, d.peekFirst().plus(WINDOW));
                if (w.compareTo(MIN_REFUSAL) < 0) w = MIN_REFUSAL;
                if (w.compareTo(wait) > 0) wait = w;
            }
        }
        return wait.isZero() ? Optional.empty() : Optional.of(wait);
    }

    /** Records one failure and returns how long to wait before answering it. */
    public synchronized Duration recordFailure(InetAddress ip, String account) {
        Instant now = clock.instant();
        int worst = 0;
        for (String key : new String[] {ipKey(ip), accountKey(account)}) {
            Deque<Instant> d = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
            prune(d, now);
            d.addLast(now);
            while (d.size() > REFUSE_AFTER * 2) d.removeFirst();
            worst = Math.max(worst, d.size());
        }
        return delayFor(worst);
    }

    /** A success clears the account's failures (not the address's: one good login must not unlock guessing). */
    public synchronized void recordSuccess(InetAddress ip, String account) {
        failures.remove(accountKey(account));
    }

    /** 0 for the first two failures, then 1, 2, 4 s, capped at 8 s. */
    static Duration delayFor(int failures) {
        if (failures <= 2) return Duration.ZERO;
        return Duration.ofSeconds(1L << Math.min(3, failures - 3));
    }

    private Deque<Instant> recent(String key, Instant now) {
        Deque<Instant> d = failures.get(key);
        if (d == null) return null;
        prune(d, now);
        if (d.isEmpty()) {
            failures.remove(key);
            return null;
        }
        return d;
    }

    private static void prune(Deque<Instant> d, Instant now) {
        Instant cutoff = now.minus(WINDOW);
        while (!d.isEmpty() && !d.peekFirst().isAfter(cutoff)) d.removeFirst();
    }

    static String ipKey(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet6Address) b = Arrays.copyOf(b, 8); // a host usually owns its whole /64
        return "ip:" + Arrays.toString(b);
    }

    private static String accountKey(String account) {
        return "acct:" + account.toLowerCase(java.util.Locale.ROOT);
    }
}
