package org.tegami.store;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Reads that belong together, such as everything the inbound pipeline looks up for one message (the recipient's
 * account, Sieve script and marks, spam totals, the blob's bytes): a store that pays per read transaction
 * (PostgreSQL: a pool checkout, {@code BEGIN}, {@code COMMIT}) runs the reads made on this thread inside
 * {@link #run} in one read-only transaction, opened at the first read and ended when {@code run} returns. The
 * embedded store, whose reads cost no round trip, ignores groups.
 *
 * <p>What a grouped read sees: one snapshot, taken at the group's first read, as a single read would. A write made
 * on the thread inside the group ends the group's transaction when it commits ({@link #release}), so a later read
 * sees it. Code about to wait on the network (DNS, a remote scanner) calls {@link #pause}, so that no database
 * connection is held idle meanwhile; the next read opens a new transaction.
 *
 * <p>Thread confinement: only the thread that called {@link #run} uses its group (threads forked inside see none).
 */
public final class ReadGroup {
    private static final ScopedValue<ReadGroup> CURRENT = ScopedValue.newInstance();

    private final Thread owner = Thread.currentThread();
    /** What stores hold for this group (a connection in a transaction), by store; closed in order at the end. */
    private final Map<Object, AutoCloseable> held = new LinkedHashMap<>();

    private ReadGroup() {}

    /** Runs {@code work} with the reads it makes on this thread grouped; inside a group, joins that group. */
    public static <T> T run(Supplier<T> work) {
        if (current() != null) return work.get();
        ReadGroup g = new ReadGroup();
        try {
            return ScopedValue.where(CURRENT, g).call(work::get);
        } finally {
            g.closeAll();
        }
    }

    /** The group the current thread reads in, or null when it reads alone. */
    public static ReadGroup current() {
        if (!CURRENT.isBound()) return null;
        ReadGroup g = CURRENT.get();
        return g.owner == Thread.currentThread() ? g : null;
    }

    /** Ends the current group's transactions, if any (before waiting on the network); later reads start afresh. */
    public static void pause() {
        ReadGroup g = current();
        if (g != null) g.closeAll();
    }

    /**
     * What {@code store} holds for this group, opened by {@code open} on first use. A store's resource ends when
     * the group ends, or earlier by {@link #release}.
     */
    public <R extends AutoCloseable> R hold(Object store, Supplier<R> open) {
        @SuppressWarnings("unchecked")
        R r = (R) held.get(store);
        if (r == null) {
            r = open.get();
            held.put(store, r);
        }
        return r;
    }

    /** Ends what {@code store} holds for this group (after a write, or a failed read); the next read opens anew. */
    public void release(Object store) {
        AutoCloseable r = held.remove(store);
        if (r != null) closeQuietly(r);
    }

    private void closeAll() {
        while (!held.isEmpty()) release(held.keySet().iterator().next());
    }

    private static void closeQuietly(AutoCloseable r) {
        try {
            r.close();
        } catch (Exception e) {
            System.getLogger(ReadGroup.class.getName()).log(System.Logger.Level.WARNING,
                    "ending a group of reads failed: " + e.getMessage());
        }
    }
}
