package org.tegami.auth;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.tegami.mime.EmailAddress;
import org.tegami.store.CoordinationFallback;
import org.tegami.store.CoordinationStore;

/**
 * Failed-login throttle shared by SMTP, IMAP and POP3. Failures are counted over a sliding {@link #WINDOW} per
 * client address (IPv6 per /64) and per account. The address count refuses: from the third failure each one is
 * answered after a growing delay (1, 2, 4, then 8 s), and after {@link #REFUSE_AFTER} failures logins from that
 * address are refused, for every account, until old failures age out (so an address is throttled for each
 * account it guesses too). The account count only slows down, never refuses: every login for an account under attack waits a delay that
 * grows with its failures up to {@link #ACCOUNT_DELAY_CAP}, so guesses spread over many addresses are slowed, yet
 * nobody can lock the owner out of their account (issue 12). No address is exempt, loopback included. Memory is
 * bounded: at most {@link #MAX_KEYS} keys of at most {@link #REFUSE_AFTER} timestamps each; the least recently
 * used key is dropped first.
 *
 * <p>On a store several nodes share ({@link #shared}), every failure is also recorded in the
 * {@link CoordinationStore}, and each answer takes the larger of this node's count and the cluster's, so an attacker
 * spreading guesses over N nodes gets no N times the allowance (ADR 0024). Should the shared store fail, the node
 * goes on with its own count and logs it: neither locked out nor unthrottled.
 *
 * <p>Thread-safe: every method holds the instance lock briefly and never blocks inside it; shared-store calls run
 * outside it.
 */
public final class LoginThrottle {
    static final int REFUSE_AFTER = 10;
    static final Duration WINDOW = Duration.ofMinutes(15);
    static final Duration MIN_REFUSAL = Duration.ofMinutes(1);
    static final Duration ACCOUNT_DELAY_CAP = Duration.ofSeconds(4);
    static final int MAX_KEYS = 100_000;
    /** Shared-store key prefix of an address's refusal: one event at the instant it ends. */
    private static final String REFUSED = "login:refused:";
    /** Shared-store key prefix of the failure counts. */
    private static final String LOGIN = "login:";

    private final InstantSource clock;
    private final Map<String, Failures> failures;
    /** The cluster's counts; null on a store of one process (the embedded store). */
    private final CoordinationStore shared;
    private final CoordinationFallback fallback = new CoordinationFallback("login throttle");

    /** A throttle kept in this process's memory. */
    public LoginThrottle(InstantSource clock) {
        this(clock, MAX_KEYS, null);
    }

    LoginThrottle(InstantSource clock, int maxKeys) {
        this(clock, maxKeys, null);
    }

    /** A throttle whose counts are the cluster's, kept in {@code store} (with this node's own as the floor). */
    public static LoginThrottle shared(CoordinationStore store, InstantSource clock) {
        return new LoginThrottle(clock, MAX_KEYS, store);
    }

    LoginThrottle(InstantSource clock, int maxKeys, CoordinationStore shared) {
        this.clock = clock;
        this.shared = shared;
        // Access order: a key that keeps failing stays, one nobody has touched for longest goes first.
        this.failures = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Failures> eldest) {
                return size() > maxKeys;
            }
        };
    }

    /**
     * Present while logins from this address are refused: how long until they are not. The account's failures from
     * other addresses never refuse (see {@link #accountDelay}); {@code account} is not consulted.
     */
    public Optional<Duration> refusal(InetAddress ip, String account) {
        long now = clock.millis();
        String key = ipKey(ip);
        long until;
        synchronized (this) {
            until = refusedUntil(key, now);
        }
        if (shared != null) {
            try {
                var r = shared.recent(REFUSED + key, Instant.ofEpochMilli(now), 1);
                if (r.newest().isPresent()) until = Math.max(until, r.newest().get().toEpochMilli());
            } catch (RuntimeException e) {
                fallback.failed(e);
            }
        }
        if (until <= now) return Optional.empty();
        return Optional.of(Duration.ofMillis(until - now));
    }

    /** Counts one failed login for this address and this account. */
    public void recordFailure(InetAddress ip, String account) {
        long now = clock.millis();
        String ipKey = ipKey(ip);
        String accountKey = accountKey(account);
        synchronized (this) {
            for (String key : new String[] {ipKey, accountKey}) {
                failures.computeIfAbsent(key, k -> new Failures()).add(now);
            }
        }
        if (shared == null) return;
        try {
            Instant at = Instant.ofEpochMilli(now);
            shared.record(LOGIN + ipKey, at, REFUSE_AFTER);
            shared.record(LOGIN + accountKey, at, REFUSE_AFTER);
            var r = shared.recent(LOGIN + ipKey, at.minus(WINDOW), REFUSE_AFTER);
            if (r.count() == REFUSE_AFTER) {
                // As Failures.add: refused until the oldest of the ten ages out, and at least MIN_REFUSAL. The
                // refusal is an event at that future instant; the key keeps only its latest, the longest refusal.
                long until = Math.max(r.oldest().orElseThrow().toEpochMilli() + WINDOW.toMillis(), now + MIN_REFUSAL.toMillis());
                shared.record(REFUSED + ipKey, Instant.ofEpochMilli(until), 1);
            }
        } catch (RuntimeException e) {
            fallback.failed(e);
        }
    }

    /** How long to wait before answering the failure just recorded: 0, 0, 1, 2, 4, 8, 8 … seconds. */
    public Duration delayAfterFailure(InetAddress ip, String account) {
        return delayFor(recent(ipKey(ip), clock.millis()));
    }

    /**
     * How long every login for this account waits before its password is checked, right or wrong: 0, 0, 1, 2, then
     * 4 s by the account's recent failures from anywhere. A slow-down, not a lock: the owner gets in.
     */
    public Duration accountDelay(String account) {
        Duration d = delayFor(recent(accountKey(account), clock.millis()));
        return d.compareTo(ACCOUNT_DELAY_CAP) > 0 ? ACCOUNT_DELAY_CAP : d;
    }

    /** Keys currently held, for tests of the memory bound. */
    synchronized int size() {
        return failures.size();
    }

    static Duration delayFor(int failures) {
        if (failures <= 2) return Duration.ZERO;
        return Duration.ofSeconds(1L << Math.min(failures - 3, 3)); // 1, 2, 4, then 8 s
    }

    /** The key's failures in the window: this node's, or the cluster's when more. */
    private int recent(String key, long now) {
        int local;
        synchronized (this) {
            Failures f = failures.get(key);
            local = f == null ? 0 : f.count(now);
        }
        if (shared == null) return local;
        try {
            return Math.max(local, shared.recent(LOGIN + key, Instant.ofEpochMilli(now).minus(WINDOW), REFUSE_AFTER).count());
        } catch (RuntimeException e) {
            fallback.failed(e);
            return local;
        }
    }

    /** The instant (millis) until which this key is refused; at most {@code now} when it is not. */
    private long refusedUntil(String key, long now) {
        Failures f = failures.get(key);
        if (f == null) return now;
        if (f.count(now) == 0 && f.refusedUntil <= now) {
            failures.remove(key); // aged out: give the memory back early
            return now;
        }
        return f.refusedUntil;
    }

    static String ipKey(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet6Address) b = Arrays.copyOf(b, 8); // a host usually owns its whole /64
        return "ip:" + HexFormat.of().formatHex(b);
    }

    /** Folded like {@link EmailAddress#key()}, so {@code Alice@Example.COM} and {@code alice@example.com} share a count. */
    static String accountKey(String account) {
        String s = account.strip();
        return "acct:" + EmailAddress.parse(s).map(EmailAddress::key).orElse(s.toLowerCase(Locale.ROOT));
    }

    /** The newest failure times of one key (epoch millis), oldest first, at most {@link #REFUSE_AFTER}. */
    private static final class Failures {
        private final long[] times = new long[REFUSE_AFTER];
        private int start;
        private int size;
        long refusedUntil = Long.MIN_VALUE;

        void add(long now) {
            prune(now);
            if (size == times.length) {
                start = (start + 1) % times.length;
                size--;
            }
            times[(start + size) % times.length] = now;
            size++;
            if (size == REFUSE_AFTER) {
                // Refused until the oldest of these ages out, and at least MIN_REFUSAL, so a refusal that starts
                // just before that moment is not over at once.
                refusedUntil = Math.max(refusedUntil, Math.max(oldest() + WINDOW.toMillis(), now + MIN_REFUSAL.toMillis()));
            }
        }

        int count(long now) {
            prune(now);
            return size;
        }

        long oldest() {
            return times[start];
        }

        private void prune(long now) {
            long cutoff = now - WINDOW.toMillis();
            while (size > 0 && times[start] <= cutoff) {
                start = (start + 1) % times.length;
                size--;
            }
        }
    }
}
