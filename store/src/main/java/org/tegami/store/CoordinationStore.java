package org.tegami.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What nodes sharing one database agree on through it (ADR 0024): sliding-window event counts by key (failed logins,
 * submissions, forwarded copies) and leases (POP3 maildrop locks). Times are the callers' clocks, so the nodes of a
 * cluster keep theirs in step (NTP); a second of skew shifts a window by a second.
 *
 * <p>Keys and lease names are the caller's strings; longer than {@link #MAX_KEY} characters they are replaced by a
 * digest, so a stranger's long username cannot grow a row. Each key keeps at most {@link #MAX_PER_KEY} events, and
 * old events and long-expired leases are pruned as events are recorded ({@link #prune} does it on demand).
 *
 * <p>Thread-safe; each method is one transaction. Concurrent callers on several nodes see one order: a
 * {@link #book} or {@link #tryAcquire} decides on what the others committed before it.
 */
public interface CoordinationStore {
    /** Longest key kept as written. */
    int MAX_KEY = 200;
    /** Most events one key keeps (a caller's {@code keep} above it is lowered to it). */
    int MAX_PER_KEY = 10_000;
    /** Events older than this before the newest recorded are pruned. */
    Duration RETENTION = Duration.ofDays(1);

    /**
     * A key's events in a window.
     *
     * @param count  how many (at most the {@code limit} asked)
     * @param oldest the oldest of those counted
     * @param newest the newest
     */
    record Recent(int count, Optional<Instant> oldest, Optional<Instant> newest) {
        public static final Recent NONE = new Recent(0, Optional.empty(), Optional.empty());
    }

    /** Records one event of {@code key} at {@code at} and keeps only the key's {@code keep} latest events. */
    void record(String key, Instant at, int keep);

    /** Of {@code key}'s events later than {@code after}, the latest {@code limit}: their count, oldest and newest. */
    Recent recent(String key, Instant after, int limit);

    /**
     * Books one event of {@code key} at the earliest instant, not before {@code now}, at which no {@code window}
     * holds more than {@code limit} of the key's events (its {@code limit} latest bound the next), and returns it.
     * Atomic: two nodes booking at once get distinct slots.
     */
    Instant book(String key, Instant now, Duration window, int limit);

    /**
     * Takes lease {@code name} for {@code holder} until {@code until} when nobody holds it, its holder's time ran
     * out by {@code now} (a node that died without releasing it), or {@code holder} already holds it.
     *
     * @return whether {@code holder} now holds it
     */
    boolean tryAcquire(String name, String holder, Instant now, Instant until);

    /** Extends {@code holder}'s lease to {@code until}; false when it is not (or no longer) {@code holder}'s. */
    boolean renew(String name, String holder, Instant until);

    /** Gives up {@code holder}'s lease; nothing when another holds it. */
    void release(String name, String holder);

    /** Deletes events before {@code before} and leases that expired before it; returns how many rows went. */
    int prune(Instant before);
}
