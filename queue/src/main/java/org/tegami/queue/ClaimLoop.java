package org.tegami.queue;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.tegami.core.log.LogContext;
import org.tegami.store.QueueEntry;
import org.tegami.store.QueueId;
import org.tegami.store.Store;

/**
 * The queue's claims: a poller claims due entries under a lease (so each is attempted by one delivery at a time,
 * across nodes) as far as free delivery slots allow, and starts one virtual thread per entry; a renewer keeps the
 * leases of the entries in flight alive, four times per lease (one missed renewal is harmless). A node that dies
 * stops renewing, and another node takes its entries over within one lease.
 *
 * <p>Concurrency: {@link #wake} may be called from any thread; {@link #start} and {@link #close} once each.
 */
final class ClaimLoop {
    /** The queue's log lines keep one logger name (operators filter on it; the trace history shows it). */
    private static final Logger LOG = System.getLogger(QueueRunner.class.getName());
    /** How long {@link #close} waits for deliveries under way. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(15);

    private final Store store;
    private final String owner;
    private final Duration lease;
    private final InstantSource clock;
    private final QueueRunner.Settings settings;
    /** One attempt of a claimed entry; its outcome is recorded before it returns. */
    private final Consumer<QueueEntry> attempt;
    /** What happens to an entry whose attempt threw. */
    private final BiConsumer<QueueEntry, RuntimeException> afterError;
    /** Runs after each scan of the queue, before its entries are started. */
    private final Runnable afterScan;
    private final Set<QueueId> inFlight = ConcurrentHashMap.newKeySet();
    private final Semaphore slots;
    private final Semaphore wakeups = new Semaphore(0);
    private final Thread poller;
    private final Thread renewer;
    private volatile boolean closed;

    ClaimLoop(Store store, String owner, Duration lease, InstantSource clock, QueueRunner.Settings settings,
              Consumer<QueueEntry> attempt, BiConsumer<QueueEntry, RuntimeException> afterError, Runnable afterScan) {
        this.store = store;
        this.owner = owner;
        this.lease = lease;
        this.clock = clock;
        this.settings = settings;
        this.attempt = attempt;
        this.afterError = afterError;
        this.afterScan = afterScan;
        this.slots = new Semaphore(settings.concurrency());
        this.poller = Thread.ofVirtual().name("queue-runner").unstarted(this::poll);
        this.renewer = Thread.ofVirtual().name("queue-lease").unstarted(this::renewLeases);
    }

    /** Ends the leases this node held when it last stopped (or crashed), then starts claiming. */
    void start() {
        // Leases this node held when it last stopped (or crashed) end now rather than when they run out.
        int released = store.queue().releaseClaims(owner);
        if (released > 0) LOG.log(Level.INFO, "released " + released + " queue entries claimed before the last stop");
        store.queue().onEnqueue(this::wake);
        poller.start();
        renewer.start();
    }

    /** Starts looking for due entries now instead of at the next poll. */
    void wake() {
        wakeups.release();
    }

    /**
     * Keeps the leases of this node's attempts alive. A renewal that fails (the store unreachable) is logged and
     * tried again at the next tick; the lease still has three quarters of its time left.
     */
    private void renewLeases() {
        while (!closed) {
            try {
                Thread.sleep(lease.dividedBy(4));
                if (closed) return;
                if (!inFlight.isEmpty()) store.queue().renewClaims(owner, clock.instant().plus(lease));
            } catch (InterruptedException ie) {
                return;
            } catch (RuntimeException ex) {
                LOG.log(Level.WARNING, "renewing queue leases failed (retried in " + lease.dividedBy(4).toSeconds() + " s): "
                        + ex.getMessage());
            }
        }
    }

    private void poll() {
        while (!closed) {
            try {
                int started = 0;
                // Claim only what free slots can start now, so no lease runs out while an entry waits for a slot.
                int free = slots.availablePermits();
                Instant now = clock.instant();
                List<QueueEntry> due = free == 0 ? List.of() : store.queue().claim(now, free, now.plus(lease), owner);
                afterScan.run();
                for (QueueEntry e : due) {
                    if (closed || !inFlight.add(e.id())) continue;
                    started++;
                    slots.acquire();
                    Thread.ofVirtual().name("deliver-" + e.id()).start(() -> {
                        try {
                            attempt.accept(e);
                        } catch (RuntimeException ex) {
                            LOG.log(Level.ERROR, "delivery of queue entry " + e.id() + " failed unexpectedly", ex);
                            afterError.accept(e, ex);
                        } finally {
                            LogContext.endMessage();
                            inFlight.remove(e.id());
                            slots.release();
                            wake(); // a slot is free: claim the next due entry now
                        }
                    });
                }
                // Keep going while there is new work; when everything due is already in flight, look again soon.
                if (started == 0) {
                    wakeups.tryAcquire(settings.poll().toMillis(), TimeUnit.MILLISECONDS);
                    wakeups.drainPermits();
                }
                else if (inFlight.size() >= settings.concurrency()) Thread.sleep(Math.min(50, settings.poll().toMillis()));
            } catch (InterruptedException ie) {
                return;
            } catch (RuntimeException ex) {
                LOG.log(Level.WARNING, "queue poll failed: " + ex.getMessage());
                if (closed) return;
                try {
                    Thread.sleep(settings.poll());
                } catch (InterruptedException ie) {
                    return;
                }
            } catch (Error ex) {
                // a dead poller would leave every queued message undelivered until a restart (issue 12)
                LOG.log(Level.ERROR, "queue poll failed", ex);
                if (closed) return;
                try {
                    Thread.sleep(settings.poll());
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** Stops claiming and waits a while for the deliveries under way to record their outcome. */
    void close() {
        closed = true;
        poller.interrupt();
        renewer.interrupt();
        try {
            poller.join(TimeUnit.SECONDS.toMillis(5));
            // Let deliveries under way finish and record their outcome before the store closes beneath them; one
            // still running after this is left to its lease, and another claim retries it later.
            long until = System.nanoTime() + CLOSE_WAIT.toNanos();
            while (!inFlight.isEmpty() && System.nanoTime() < until) Thread.sleep(10);
            if (!inFlight.isEmpty()) {
                LOG.log(Level.WARNING, inFlight.size() + " deliveries still running at shutdown after "
                        + CLOSE_WAIT.toSeconds() + " s; they will be retried when their lease runs out");
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }
}
