package org.tegami.auth;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.tegami.mime.EmailAddress;

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
 * <p>Thread-safe: every method holds the instance lock briefly and never blocks inside it.
 */
public final class LoginThrottle {
    static final int REFUSE_AFTER = 10;
    static final Duration WINDOW = Duration.ofMinutes(15);
    static final Duration MIN_REFUSAL = Duration.ofMinutes(1);
    static final Duration ACCOUNT_DELAY_CAP = Duration.ofSeconds(4);
    static final int MAX_KEYS = 100_000;

    private final InstantSource clock;
    private final Map<String, Failures> failures;

    public LoginThrottle(InstantSource clock) {
        this(clock, MAX_KEYS);
    }

    LoginThrottle(InstantSource clock, int maxKeys) {
        this.clock = clock;
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
    public synchronized Optional<Duration> refusal(InetAddress ip, String account) {
        long now = clock.millis();
        long until = refusedUntil(ipKey(ip), now);
        if (until <= now) return Optional.empty();
        return Optional.of(Duration.ofMillis(until - now));
    }

    /** Counts one failed login for this address and this account. */
    public synchronized void recordFailure(InetAddress ip, String account) {
        long now = clock.millis();
        for (String key : new String[] {ipKey(ip), accountKey(account)}) {
            failures.computeIfAbsent(key, k -> new Failures()).add(now);
        }
    }

    /** How long to wait before answering the failure just recorded: 0, 0, 1, 2, 4, 8, 8 … seconds. */
    public synchronized Duration delayAfterFailure(InetAddress ip, String account) {
        long now = clock.millis();
        return delayFor(recent(ipKey(ip), now));
    }

    /**
     * How long every login for this account waits before its password is checked, right or wrong: 0, 0, 1, 2, then
     * 4 s by the account's recent failures from anywhere. A slow-down, not a lock: the owner gets in.
     */
    public synchronized Duration accountDelay(String account) {
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

    private int recent(String key, long now) {
        Failures f = failures.get(key);
        return f == null ? 0 : f.count(now);
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
