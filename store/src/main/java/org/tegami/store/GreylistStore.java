package org.tegami.store;

import java.time.Instant;
import java.util.Optional;

/**
 * Greylisting's memory (RFC 6647): which (client network, reverse-path, recipient) triples were seen when, and
 * which have passed by retrying. The policy (delays, lifetimes) is the caller's; the store keeps rows and prunes.
 *
 * <p>Thread-safe; each method is one transaction. Two deliveries racing on one triple may both write: the later
 * write wins, which at worst greylists one message once more.
 */
public interface GreylistStore {

    /**
     * One triple.
     *
     * @param network   the client's network ({@code 192.0.2.0/24}, {@code 2001:db8:1:2::/64})
     * @param sender    the reverse-path, lower-cased; empty for the null sender
     * @param recipient the local recipient (its account)
     */
    record Triple(String network, String sender, AccountId recipient) {}

    /**
     * What is known of a triple.
     *
     * @param firstSeen when it was first refused (the retry delay counts from here)
     * @param lastSeen  when it was last seen
     * @param passed    whether a retry came after the delay: from then on it is let through
     */
    record Entry(Instant firstSeen, Instant lastSeen, boolean passed) {}

    Optional<Entry> entry(Triple triple);

    /** Creates or replaces the triple's entry. */
    void put(Triple triple, Entry entry);

    /**
     * Deletes entries not passed and first seen before {@code pendingBefore}, and passed entries last seen before
     * {@code passedBefore}. Returns how many went.
     */
    int prune(Instant pendingBefore, Instant passedBefore);
}
