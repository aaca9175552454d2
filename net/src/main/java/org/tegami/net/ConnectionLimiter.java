package org.tegami.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps open connections overall and per client address, shared by all listeners. IPv6 clients are counted per
 * /64, since one host usually owns the whole prefix. No address is exempt, loopback included.
 */
public final class ConnectionLimiter {
    private final int maxTotal;
    private final int maxPerIp;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<String, AtomicInteger> perIp = new ConcurrentHashMap<>();

    public ConnectionLimiter(int maxTotal, int maxPerIp) {
        this.maxTotal = maxTotal;
        this.maxPerIp = maxPerIp;
    }

    /** Reserves a slot; the caller must {@link #release} it once when {@code true} is returned. */
    public boolean tryAcquire(InetAddress client) {
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            return false;
        }
        String key = key(client);
        AtomicInteger n = perIp.computeIfAbsent(key, k -> new AtomicInteger());
        if (n.incrementAndGet() > maxPerIp) {
            release(client);
            return false;
        }
        return true;
    }

    public void release(InetAddress client) {
        total.decrementAndGet();
        perIp.computeIfPresent(key(client), (k, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    public int open() {
        return total.get();
    }

    static String key(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet6Address) b = Arrays.copyOf(b, 8);
        return Arrays.toString(b);
    }
}
