package org.tegami.auth;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Password verification for every session of the process, bounded and remembered.
 *
 * <p>Bounded: an Argon2id check takes 19 MiB and a good part of a core, so checks run on {@code workers} platform
 * threads, never more at once however many logins arrive (a login flood cannot exhaust the heap, and the virtual
 * threads of other sessions keep their carriers); at most {@code maxWaiting} more wait, past that a login is
 * answered "busy, try later".
 *
 * <p>Remembered: a successful check is cached for {@code ttl} (Dovecot's auth cache), so clients that log in
 * every few minutes, or open several connections, cost one Argon2id check, not one per login. The cache holds an
 * HMAC, under a random key that lives only in this process's memory, of the stored hash and the password: a changed
 * password (a new stored hash) or a removed user never matches an old entry, and failures are never cached, so
 * guessing always pays the full price. Thread-safe.
 */
final class PasswordChecks {
    /** What a check found. */
    enum Result { MATCH, MISMATCH, BUSY }

    static final Duration TTL = Duration.ofHours(1);
    static final int MAX_CACHED = 10_000;
    static final int MAX_WAITING = 256;

    private final PasswordHasher hasher;
    private final ThreadPoolExecutor pool;
    private final InstantSource clock;
    private final Duration ttl;
    private final int maxCached;
    private final SecretKeySpec key;
    private final Map<String, Long> cache = new LinkedHashMap<>(16, 0.75f, true);
    private final AtomicLong argon2Runs = new AtomicLong();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger mostRunning = new AtomicInteger();

    PasswordChecks(PasswordHasher hasher, InstantSource clock) {
        this(hasher, Math.max(1, Runtime.getRuntime().availableProcessors()), MAX_WAITING, TTL, MAX_CACHED, clock);
    }

    PasswordChecks(PasswordHasher hasher, int workers, int maxWaiting, Duration ttl, int maxCached, InstantSource clock) {
        this.hasher = hasher;
        this.clock = clock;
        this.ttl = ttl;
        this.maxCached = maxCached;
        this.pool = new ThreadPoolExecutor(workers, workers, 1, TimeUnit.MINUTES, new ArrayBlockingQueue<>(maxWaiting),
                Thread.ofPlatform().name("password-check-", 0).daemon().factory());
        pool.allowCoreThreadTimeOut(true);
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        key = new SecretKeySpec(k, "HmacSHA256");
    }

    /** Checks {@code password} against a stored hash: from the cache when it matched recently, else by Argon2id. */
    Result verify(char[] password, String stored) {
        String entry = entry(password, stored);
        long now = clock.millis();
        synchronized (cache) {
            Long until = cache.get(entry);
            if (until != null && until > now) return Result.MATCH;
            if (until != null) cache.remove(entry);
        }
        char[] copy = password.clone(); // the caller wipes its array when this returns, maybe before the worker ran
        Result r = run(() -> hasher.verify(copy, stored), copy);
        if (r == Result.MATCH) {
            synchronized (cache) {
                cache.put(entry, now + ttl.toMillis());
                if (cache.size() > maxCached) cache.remove(cache.keySet().iterator().next()); // least recently used
            }
        }
        return r;
    }

    /** Spends one check's time and memory, as for a user that does not exist. */
    Result verifyDummy(char[] password) {
        char[] copy = password.clone();
        Result r = run(() -> {
            hasher.verifyDummy(copy);
            return false;
        }, copy);
        return r == Result.BUSY ? Result.BUSY : Result.MISMATCH;
    }

    private Result run(java.util.concurrent.Callable<Boolean> check, char[] wipe) {
        Future<Boolean> f;
        try {
            f = pool.submit(() -> {
                int n = running.incrementAndGet();
                mostRunning.accumulateAndGet(n, Math::max);
                argon2Runs.incrementAndGet();
                try {
                    return check.call();
                } finally {
                    running.decrementAndGet();
                    Arrays.fill(wipe, '\0');
                }
            });
        } catch (RejectedExecutionException e) {
            Arrays.fill(wipe, '\0');
            return Result.BUSY;
        }
        try {
            return f.get() ? Result.MATCH : Result.MISMATCH;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.BUSY;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }

    private String entry(char[] password, String stored) {
        ByteBuffer pw = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(stored.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            mac.update(pw.duplicate());
            return Base64.getEncoder().encodeToString(mac.doFinal());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } finally {
            if (pw.hasArray()) Arrays.fill(pw.array(), (byte) 0);
        }
    }

    /** Argon2id computations so far (tests: a cached login runs none). */
    long argon2Runs() {
        return argon2Runs.get();
    }

    /** The most Argon2id computations that ever ran at once (tests: never more than the workers). */
    int mostRunning() {
        return mostRunning.get();
    }
}
