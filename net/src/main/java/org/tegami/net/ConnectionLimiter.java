package org.tegami.net;

import java.io.Closeable;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;

/**
 * Caps open connections overall, per client address and per service, shared by all listeners. IPv6 clients are
 * counted per /64, since one host usually owns the whole prefix. No address is exempt, loopback included.
 *
 * <p>Capacity cannot be held hostage by connections that never log in: when the server (or a capped service, such
 * as port 25) is full, the oldest connection that has not authenticated is closed to admit the new one, as
 * Dovecot's login processes do. Authenticated sessions are never evicted. So idle port-25 or pre-login
 * connections from many addresses delay users by at most one reconnect, and never lock them out of 993 or 587.
 *
 * <p>A client at its address's cap is not refused at once: it waits up to {@link #CLOSING_GRACE} for one of that
 * address's connections to end. A sender that keeps every allowed session busy (Postfix {@code smtp-source -s 20})
 * reconnects the moment it reads 221, often before the server's side of that session has closed; counted strictly,
 * every few hundred messages one such reconnect was refused with 421 (issue 14). At most {@code maxPerIp} clients of
 * one address wait at once, so waiting never holds more than twice the cap of one address's sockets.
 *
 * <p>Thread-safe; one short lock per accept and close, no I/O under it.
 */
public final class ConnectionLimiter {
    private static final Logger LOG = System.getLogger(ConnectionLimiter.class.getName());

    /** How long a client over its address's cap waits for a connection of that address to close. */
    public static final java.time.Duration CLOSING_GRACE = java.time.Duration.ofSeconds(2);

    private final int maxTotal;
    private final Map<String, Integer> waiting = new HashMap<>();
    private final int maxPerIp;
    private final Map<String, Integer> serviceCaps = new HashMap<>();
    private int total;
    private final Map<String, Integer> perIp = new HashMap<>();
    private final Map<String, Integer> perService = new HashMap<>();
    /** Connections not (yet) authenticated, oldest first: the ones that may be evicted. */
    private final LinkedHashSet<Slot> unauthenticated = new LinkedHashSet<>();

    public ConnectionLimiter(int maxTotal, int maxPerIp) {
        this.maxTotal = maxTotal;
        this.maxPerIp = maxPerIp;
    }

    /** Caps the connections of one service (a listener name, e.g. {@code smtp}) below the overall cap. */
    public synchronized ConnectionLimiter limitService(String service, int max) {
        serviceCaps.put(service, max);
        return this;
    }

    /** One admitted connection: {@link #authenticated()} once its user logs in, {@link #release()} when it ends. */
    public final class Slot {
        private final String service;
        private final String ip;
        private final Closeable connection;
        private boolean counted = true;

        private Slot(String service, String ip, Closeable connection) {
            this.service = service;
            this.ip = ip;
            this.connection = connection;
        }

        /** The user logged in: this connection is never evicted from now on. */
        public void authenticated() {
            synchronized (ConnectionLimiter.this) {
                unauthenticated.remove(this);
            }
        }

        /** Gives the slot back; a no-op after an eviction (whose newcomer took it over) or a second call. */
        public void release() {
            synchronized (ConnectionLimiter.this) {
                uncount(this);
            }
        }
    }

    /**
     * Admits a connection of {@code service} from {@code client}, evicting (closing) the oldest unauthenticated
     * connection when the server or the service is full; empty when the connection must be turned away.
     */
    public Optional<Slot> tryAcquire(String service, InetAddress client, Closeable connection) {
        Slot victim = null;
        Slot slot;
        synchronized (this) {
            String ip = key(client);
            if (perIp.getOrDefault(ip, 0) >= maxPerIp && !awaitRelease(ip)) return Optional.empty();
            Integer cap = serviceCaps.get(service);
            if (cap != null && perService.getOrDefault(service, 0) >= cap) {
                victim = oldestUnauthenticated(service);
                if (victim == null) return Optional.empty();
            } else if (total >= maxTotal) {
                victim = oldestUnauthenticated(null);
                if (victim == null) return Optional.empty();
            }
            if (victim != null) uncount(victim);
            slot = new Slot(service, ip, connection);
            total++;
            perIp.merge(ip, 1, Integer::sum);
            perService.merge(service, 1, Integer::sum);
            unauthenticated.add(slot);
        }
        if (victim != null) {
            Slot v = victim;
            LOG.log(Level.INFO, () -> "full: closed the oldest connection not logged in (" + v.service + " from "
                    + v.ip + ") to admit one to " + service);
            try {
                v.connection.close();
            } catch (IOException ignored) {
                // it is going away either way
            }
        }
        return Optional.of(slot);
    }

    /** Waits (the caller is a virtual thread: unmounted) for a slot of {@code ip} to be released; holds the lock. */
    private boolean awaitRelease(String ip) {
        if (waiting.getOrDefault(ip, 0) >= maxPerIp) return false;
        waiting.merge(ip, 1, Integer::sum);
        try {
            long deadline = System.nanoTime() + CLOSING_GRACE.toNanos();
            while (perIp.getOrDefault(ip, 0) >= maxPerIp) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                wait(Math.max(1, left / 1_000_000));
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            waiting.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
        }
    }

    private Slot oldestUnauthenticated(String service) {
        for (Iterator<Slot> it = unauthenticated.iterator(); it.hasNext(); ) {
            Slot s = it.next();
            if (service == null || s.service.equals(service)) return s;
        }
        return null;
    }

    private void uncount(Slot s) {
        if (!s.counted) return;
        s.counted = false;
        unauthenticated.remove(s);
        total--;
        perIp.computeIfPresent(s.ip, (k, n) -> n <= 1 ? null : n - 1);
        perService.computeIfPresent(s.service, (k, n) -> n <= 1 ? null : n - 1);
        if (waiting.containsKey(s.ip)) notifyAll();
    }

    public synchronized int open() {
        return total;
    }

    static String key(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet6Address) b = Arrays.copyOf(b, 8);
        return Arrays.toString(b);
    }
}
