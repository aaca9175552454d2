package org.tegami.imap.server;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.tegami.store.AccountId;

/**
 * How much message text FETCH responses may hold in memory at once: a response over a message's bytes (BODY[],
 * RFC822, sections, BINARY, PREVIEW) holds the message and the response built from it until the response is
 * written, which a client that stops reading can make last minutes. Without a bound, twenty connections fetching
 * a 50 MiB message each would need 2 GiB. Each user may hold {@link #PER_USER} and all users together
 * {@link #TOTAL}; a FETCH over the budget waits for room (taken in that order, so waits cannot deadlock), and a
 * user whose own connections stall waits only for them. Thread-safe.
 */
final class FetchBudget {
    static final long TOTAL = 256L << 20;
    static final long PER_USER = 64L << 20;

    /** Shared by every session of the process. */
    static final FetchBudget SHARED = new FetchBudget(TOTAL, PER_USER);

    private final Semaphore total;
    private final int perUserKib;
    private final ConcurrentHashMap<AccountId, Semaphore> perUser = new ConcurrentHashMap<>();

    FetchBudget(long total, long perUser) {
        this.total = new Semaphore(kib(total), true);
        this.perUserKib = kib(perUser);
    }

    /** Room held for one response; closing it gives the room back. */
    interface Hold extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Waits until {@code user} may hold a response over a message of {@code messageSize} octets (counted twice: the
     * message and the response); a message larger than a user's whole budget takes all of it.
     */
    Hold hold(AccountId user, long messageSize) {
        int n = Math.max(1, Math.min(perUserKib, kib(2 * messageSize)));
        Semaphore mine = perUser.computeIfAbsent(user, u -> new Semaphore(perUserKib, true));
        mine.acquireUninterruptibly(n);
        try {
            total.acquireUninterruptibly(n);
        } catch (RuntimeException | Error e) {
            mine.release(n);
            throw e;
        }
        return () -> {
            total.release(n);
            mine.release(n);
        };
    }

    /** Room left in all, in KiB (tests). */
    int availableKib() {
        return total.availablePermits();
    }

    private static int kib(long bytes) {
        return (int) Math.min(Integer.MAX_VALUE, (bytes + 1023) >> 10);
    }
}
