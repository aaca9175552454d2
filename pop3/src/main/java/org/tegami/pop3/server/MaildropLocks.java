package org.tegami.pop3.server;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.tegami.store.AccountId;
import org.tegami.store.CoordinationStore;

/**
 * RFC 1939 §8: one POP3 session per maildrop at a time. Shared by all POP3 listeners of a server.
 *
 * <p>On a store of one process the locks are this process's memory. On a store several nodes share
 * ({@link #shared}) each lock is also a lease in the {@link CoordinationStore}, taken for {@link #TTL} and renewed
 * every third of it while the session lives, so a session on another node is refused too, and a node that died
 * (kill -9, power) frees its maildrops once their leases run out (ADR 0024). Taking a lease fails closed: when the
 * shared store does not answer, {@link #tryLock} throws and the session is told to try later. A lease whose
 * renewals failed until another node took it is lost: the session deletes nothing at QUIT ({@link #held}).
 */
public final class MaildropLocks {
    private static final Logger LOG = System.getLogger(MaildropLocks.class.getName());
    /** How long a lease lasts without renewal: how long a dead node's maildrops stay locked. */
    public static final Duration TTL = Duration.ofSeconds(60);

    /** Maildrops held by this process's sessions, by the lease holder id (this node's id and a counter). */
    private final Map<AccountId, String> holders = new ConcurrentHashMap<>();
    private final Set<String> lost = ConcurrentHashMap.newKeySet();
    private final CoordinationStore shared;
    private final String node;
    private final InstantSource clock;
    private final Duration ttl;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicBoolean renewing = new AtomicBoolean();

    /** Locks in this process's memory. */
    public MaildropLocks() {
        this(null, "", InstantSource.system(), TTL);
    }

    private MaildropLocks(CoordinationStore shared, String node, InstantSource clock, Duration ttl) {
        this.shared = shared;
        this.node = node;
        this.clock = clock;
        this.ttl = ttl;
    }

    /**
     * Locks that are leases in {@code store}, held for {@code ttl} and renewed every third of it.
     *
     * @param node this node's id, unique in the cluster (a lease holder is {@code node/n})
     */
    public static MaildropLocks shared(CoordinationStore store, String node, InstantSource clock, Duration ttl) {
        if (ttl.toMillis() < 30) throw new IllegalArgumentException("lease TTL too short: " + ttl);
        return new MaildropLocks(store, node, clock, ttl);
    }

    /**
     * @return false when another session (on any node) holds the maildrop
     * @throws RuntimeException when the shared store cannot say (the caller refuses: fail closed)
     */
    boolean tryLock(AccountId account) {
        String holder = node + "/" + sequence.incrementAndGet();
        if (holders.putIfAbsent(account, holder) != null) return false;
        if (shared == null) return true;
        try {
            Instant now = clock.instant();
            if (!shared.tryAcquire(lease(account), holder, now, now.plus(ttl))) {
                holders.remove(account, holder);
                return false;
            }
        } catch (RuntimeException e) {
            holders.remove(account, holder);
            throw e;
        }
        if (renewing.compareAndSet(false, true)) Thread.ofVirtual().name("pop3-lease-renewal").start(this::renewLoop);
        return true;
    }

    void unlock(AccountId account) {
        String holder = holders.remove(account);
        if (holder == null || shared == null) return;
        if (lost.remove(holder)) return;
        try {
            shared.release(lease(account), holder);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not release the POP3 lease of account " + account.value()
                    + "; it frees itself within " + ttl.toSeconds() + " s: " + e.getMessage());
        }
    }

    /** Whether this process still holds the account's maildrop (false once its lease was lost to another node). */
    boolean held(AccountId account) {
        String holder = holders.get(account);
        return holder != null && !lost.contains(holder);
    }

    private void renewLoop() {
        long every = Math.max(10, ttl.toMillis() / 3);
        while (true) {
            try {
                Thread.sleep(every);
            } catch (InterruptedException e) {
                renewing.set(false);
                return;
            }
            if (holders.isEmpty()) {
                // Stop while nothing is held; a lock taken meanwhile either starts a new loop or keeps this one.
                renewing.set(false);
                if (holders.isEmpty() || !renewing.compareAndSet(false, true)) return;
            }
            Instant until = clock.instant().plus(ttl);
            for (Map.Entry<AccountId, String> e : holders.entrySet()) {
                if (lost.contains(e.getValue())) continue;
                try {
                    if (!shared.renew(lease(e.getKey()), e.getValue(), until)) {
                        lost.add(e.getValue());
                        LOG.log(Level.WARNING, "POP3 lease of account " + e.getKey().value()
                                + " was lost to another node; the session will delete nothing");
                    }
                } catch (RuntimeException ex) {
                    LOG.log(Level.WARNING, "could not renew the POP3 lease of account " + e.getKey().value() + ": "
                            + ex.getMessage());
                }
            }
        }
    }

    /** The name of the account's maildrop lease in the {@link CoordinationStore}. */
    public static String lease(AccountId account) {
        return "pop3:" + account.value();
    }
}
