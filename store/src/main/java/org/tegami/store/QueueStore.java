package org.tegami.store;

import java.util.List;
import java.util.Optional;

/** The durable outbound queue; entries are added by {@link MailStore#deliver}. Thread-safe. */
public interface QueueStore {

    List<QueueEntry> list();

    Optional<QueueEntry> get(QueueId id);

    /** @return false when absent */
    boolean remove(QueueId id);

    /** Entries whose next attempt is due at {@code now}, oldest first. */
    List<QueueEntry> due(java.time.Instant now, int limit);

    /**
     * Claims up to {@code limit} due entries that nobody holds, oldest first, in one write: each is leased to
     * {@code owner} until {@code leaseUntil}, so no other scan (however stale its view) gets it again before
     * {@link #reschedule} ends the lease or the lease runs out (an owner that crashed only delays its entries).
     */
    List<QueueEntry> claim(java.time.Instant now, int limit, java.time.Instant leaseUntil, String owner);

    /**
     * Extends to {@code leaseUntil} every lease {@code owner} still holds (entries whose attempt has no outcome yet),
     * so that a long attempt is not taken over by another node while its owner lives. A lease that ran out and was
     * taken by another owner is not touched. @return how many were renewed
     */
    int renewClaims(String owner, java.time.Instant leaseUntil);

    /** Ends every lease {@code owner} holds (at its start: what it held when it stopped). @return how many */
    int releaseClaims(String owner);

    /**
     * Records the outcome of an attempt durably: the recipients still to try (the others were delivered or
     * bounced), when to try next, and the last error; ends the entry's lease. With no recipients left the entry is
     * removed.
     */
    void reschedule(QueueId id, List<String> remaining, java.time.Instant nextAttempt, int attempts, String lastError);

    /** Calls {@code listener} after each commit that added a queue entry (so delivery starts at once). */
    void onEnqueue(Runnable listener);

    /** Records that the sender was told of the delay, so it happens once. */
    void markDelayNotified(QueueId id);

    /** Every queued entry becomes due now ({@code tegami queue flush}). @return how many */
    int flush(java.time.Instant now);
}
