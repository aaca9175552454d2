package org.tegami.queue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One message to one address of a host, over a pooled connection ({@link ConnectionPool}: several messages per
 * connection, a cap per host), minding the host's rest after failures ({@link HostBackoff}).
 */
final class HostSender {
    /**
     * How long a delivery waits for a connection to a host that has all of its connections in use before its entry
     * steps back (rescheduled a little later, not counted as an attempt), so a slow host does not hold the
     * delivery slots that other destinations need.
     */
    static final Duration CONNECTION_WAIT = Duration.ofSeconds(2);
    /** When an entry that stepped back for a busy host is tried again. */
    static final Duration BUSY_RETRY = Duration.ofSeconds(5);

    private final ConnectionPool pool;
    private final HostBackoff hostBackoff;
    private final InstantSource clock;

    HostSender(ConnectionPool pool, HostBackoff hostBackoff, InstantSource clock) {
        this.pool = pool;
        this.hostBackoff = hostBackoff;
        this.clock = clock;
    }

    /**
     * Sends {@code msg} to {@code address} of {@code host}: every recipient gets a status. A host that rests after
     * failures, or has all its connections busy, gets {@link DeliveryStatus.Scheduled} (not tried). A reused
     * connection that fails is dropped and the message sent once more on a new one.
     */
    Map<String, DeliveryStatus> send(String host, InetSocketAddress address, SmtpClient.Outgoing msg,
                                     SmtpClient.Security security) {
        Map<String, DeliveryStatus> out = new LinkedHashMap<>();
        Optional<Instant> resting = hostBackoff.blockedUntil(host, clock.instant());
        if (resting.isPresent()) {
            msg.recipients().forEach(r -> out.put(r, new DeliveryStatus.Scheduled(resting.get())));
            return out;
        }
        for (int round = 0; round < 2; round++) {
            switch (pool.acquire(host, address, security, CONNECTION_WAIT)) {
                case ConnectionPool.Lease.Busy b -> {
                    Instant later = clock.instant().plus(BUSY_RETRY);
                    msg.recipients().forEach(r -> out.put(r, new DeliveryStatus.Scheduled(later)));
                    return out;
                }
                case ConnectionPool.Lease.Failed f -> {
                    if (f.hostTrouble()) hostBackoff.failed(host, clock.instant());
                    msg.recipients().forEach(r -> out.put(r, f.status()));
                    return out;
                }
                case ConnectionPool.Lease.Got g -> {
                    SmtpClient.Session s = g.session();
                    Map<String, DeliveryStatus> r;
                    try {
                        r = s.send(msg);
                    } finally {
                        pool.release(s);
                    }
                    if (s.serviceClosing()) hostBackoff.failed(host, clock.instant()); // RFC 5321 §3.8
                    else if (r.values().stream().anyMatch(x -> !(x instanceof DeliveryStatus.TempFailed))) hostBackoff.succeeded(host);
                    boolean dropped = !s.usable() && !s.serviceClosing()
                            && r.values().stream().allMatch(x -> x instanceof DeliveryStatus.TempFailed);
                    // A connection kept open may have been closed by the server meanwhile: once more on a fresh one.
                    if (g.reused() && dropped && round == 0) continue;
                    return r;
                }
            }
        }
        return out;
    }
}
