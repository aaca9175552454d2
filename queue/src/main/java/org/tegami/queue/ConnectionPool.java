package org.tegami.queue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * Open SMTP sessions kept for reuse, per MX host: a message to a host that already has an idle session goes over
 * it (RSET first, RFC 5321 §4.1.1.5) instead of paying a new connection and TLS handshake. A session carries at
 * most {@link Limits#messagesPerConnection} transactions and is QUIT after {@link Limits#idle} without one. At most
 * {@link Limits#perHost} connections (idle or busy) to one host exist at a time.
 *
 * <p>A session is reused only for a request whose security it satisfies: the same {@link SmtpClient.Security}
 * (the same verifying trust, TLS requirement and login), or opportunistic TLS from any session without a login.
 * So a session opened without certificate checks never carries mail for a domain with an MTA-STS policy in
 * enforce mode. Thread-safe; a session is used by one thread between {@link #acquire} and {@link #release}.
 */
final class ConnectionPool implements AutoCloseable {
    /**
     * @param perHost               connections to one MX host at once
     * @param messagesPerConnection transactions one session carries before it is QUIT (1: no reuse)
     * @param idle                  how long an idle session is kept
     */
    record Limits(int perHost, int messagesPerConnection, Duration idle) {
        static final Limits DEFAULTS = new Limits(5, 100, Duration.ofSeconds(10));
    }

    /** What {@link #acquire} got. */
    sealed interface Lease {
        /** A session ready for MAIL; {@code reused} when it carried mail before. */
        record Got(SmtpClient.Session session, boolean reused) implements Lease {}

        /** Every connection to the host is in use, and none came free in time. */
        record Busy() implements Lease {}

        /** The session could not be opened: the status for every recipient, and whether the host was at fault. */
        record Failed(DeliveryStatus status, boolean hostTrouble) implements Lease {}
    }

    private static final class Host {
        final Semaphore permits;
        final Deque<SmtpClient.Session> idle = new ArrayDeque<>();

        Host(int n) {
            permits = new Semaphore(n);
        }
    }

    private final SmtpClient client;
    private final Limits limits;
    private final Map<String, Host> hosts = new ConcurrentHashMap<>();
    /** The host entry whose permit each open session holds (identity: sessions do not override equals). */
    private final Map<SmtpClient.Session, Host> owners = new ConcurrentHashMap<>();
    private final Thread reaper;
    private volatile boolean closed;

    ConnectionPool(SmtpClient client, Limits limits) {
        this.client = client;
        this.limits = limits;
        this.reaper = Thread.ofVirtual().name("smtp-pool-reaper").start(this::reap);
    }

    /**
     * A session to {@code address} of {@code host} secured as {@code sec}: an idle one that still answers RSET,
     * or a new one while the host has fewer than {@link Limits#perHost} connections; waits up to {@code wait}
     * for one of those, then answers {@link Lease.Busy}.
     */
    Lease acquire(String host, InetSocketAddress address, SmtpClient.Security sec, Duration wait) {
        String key = host.toLowerCase(Locale.ROOT);
        long deadline = System.nanoTime() + wait.toNanos();
        while (!closed) {
            Host h = hosts.computeIfAbsent(key, k -> new Host(limits.perHost()));
            SmtpClient.Session s;
            boolean mayOpen = false;
            SmtpClient.Session other = null;
            synchronized (h) {
                s = takeIdle(h, address, sec);
                if (s == null) mayOpen = h.permits.tryAcquire();
                // Every connection is taken; one that is idle but unsuitable (other address or security) makes room.
                if (s == null && !mayOpen) other = h.idle.pollLast();
                if (s == null && !mayOpen && other == null) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) return new Lease.Busy();
                    try {
                        // release() and discard() notify under this lock after returning a session or a permit.
                        h.wait(Math.max(1, left / 1_000_000));
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        return new Lease.Busy();
                    }
                    continue;
                }
            }
            if (s != null) {
                if (s.reset()) return new Lease.Got(s, true);
                discard(h, s); // the server went away while the session was idle: open another one
                continue;
            }
            if (other != null) {
                discard(h, other);
                continue;
            }
            SmtpClient.Opened o = client.open(host, address, sec);
            if (o.session() != null) {
                owners.put(o.session(), h);
                return new Lease.Got(o.session(), false);
            }
            release(h);
            return new Lease.Failed(o.failure(), o.failure() instanceof DeliveryStatus.TempFailed);
        }
        return new Lease.Busy();
    }

    private static void release(Host h) {
        synchronized (h) {
            h.permits.release();
            h.notifyAll();
        }
    }

    /** Gives a session back: kept for the next message when it is usable and under its cap, else QUIT. */
    void release(SmtpClient.Session s) {
        Host h = owners.get(s);
        if (h == null) { // not one of ours
            s.close();
            return;
        }
        if (closed || !s.usable() || s.transactions() >= limits.messagesPerConnection()) {
            discard(h, s);
            return;
        }
        synchronized (h) {
            h.idle.addFirst(s); // most recent first: the least used ones run idle and are closed
            h.notifyAll();
        }
    }

    /** Open connections to a host (idle and in use). */
    int open(String host) {
        Host h = hosts.get(host.toLowerCase(Locale.ROOT));
        return h == null ? 0 : limits.perHost() - h.permits.availablePermits();
    }

    private static boolean satisfies(SmtpClient.Session s, InetSocketAddress address, SmtpClient.Security sec) {
        if (!s.address().equals(address)) return false;
        if (s.security().equals(sec)) return true;
        // A stronger session serves opportunistic mail; never the other way round (RFC 8461 §5: enforce needs
        // a verified certificate, which a session opened without checks does not have).
        return sec.equals(SmtpClient.Security.OPPORTUNISTIC) && s.security().username() == null;
    }

    /** Under the lock of {@code h}. */
    private static SmtpClient.Session takeIdle(Host h, InetSocketAddress address, SmtpClient.Security sec) {
        for (Iterator<SmtpClient.Session> it = h.idle.iterator(); it.hasNext(); ) {
            SmtpClient.Session s = it.next();
            if (satisfies(s, address, sec)) {
                it.remove();
                return s;
            }
        }
        return null;
    }

    private void discard(Host h, SmtpClient.Session s) {
        try {
            s.close();
        } finally {
            if (owners.remove(s) != null) release(h);
        }
    }

    /** QUITs sessions idle longer than the limit. */
    private void reap() {
        long tick = Math.max(50, Math.min(1000, limits.idle().toMillis() / 4));
        while (!closed) {
            try {
                Thread.sleep(tick);
            } catch (InterruptedException ie) {
                return;
            }
            long now = System.nanoTime();
            for (var entry : hosts.entrySet()) {
                Host h = entry.getValue();
                List<SmtpClient.Session> expired = new ArrayList<>();
                synchronized (h) {
                    for (Iterator<SmtpClient.Session> it = h.idle.iterator(); it.hasNext(); ) {
                        SmtpClient.Session s = it.next();
                        if (now - s.idleSince() >= limits.idle().toNanos()) {
                            it.remove();
                            expired.add(s);
                        }
                    }
                }
                // QUIT outside the lock: a slow server must not stall other deliveries to the host.
                for (SmtpClient.Session s : expired) discard(h, s);
                // Forget hosts with nothing open so the map does not grow with every host ever written to. A
                // delivery that fetched the entry just before may open one connection beyond the cap, once (its
                // session returns its permit to the entry it came from).
                hosts.computeIfPresent(entry.getKey(), (k, v) -> {
                    synchronized (v) {
                        return v.idle.isEmpty() && v.permits.availablePermits() == limits.perHost() ? null : v;
                    }
                });
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        reaper.interrupt();
        for (Host h : hosts.values()) {
            List<SmtpClient.Session> all;
            synchronized (h) {
                all = new ArrayList<>(h.idle);
                h.idle.clear();
            }
            for (SmtpClient.Session s : all) discard(h, s);
        }
    }
}
