package org.tegami.queue;

import java.io.IOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.tegami.mailauth.dkim.DkimKeys;
import org.tegami.queue.dane.Dane;
import org.tegami.queue.mtasts.MtaStsResolver;
import org.tegami.queue.tlsrpt.TlsReporter;
import org.tegami.store.AccountId;
import org.tegami.store.BlobId;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.Store;

/**
 * Delivers the outbound queue: its settings, its wiring and its life cycle. The work is done by its parts:
 * <ul>
 *   <li>{@link ClaimLoop} claims due entries (a lease, so each is attempted by one delivery at a time, across nodes),
 *       renews the leases of those in flight and runs one delivery per entry within {@link Settings#concurrency()};</li>
 *   <li>{@link EntryDelivery} makes one attempt of one entry: recipients grouped by domain, a DKIM signature, the
 *       relay or the MX hosts ({@link MxResolver}) in order, with the TLS {@link TlsPolicy} gives each host (DANE,
 *       MTA-STS, REQUIRETLS) and a TLS report of each session;</li>
 *   <li>{@link HostSender} sends to one host address over connections kept in a {@link ConnectionPool} (several
 *       messages per connection, a cap per host); a host that answered 421 or could not be reached rests
 *       ({@link HostBackoff}), and entries for it wait without counting an attempt;</li>
 *   <li>{@link Outcomes} records each attempt's outcome durably before the next, so a restart resends at most the
 *       messages that were in flight: 4xx and connection failures retry with exponential backoff and jitter; 5xx,
 *       null MX and expiry produce one bounce;</li>
 *   <li>{@link Notices} sends those DSNs to the sender (never to the null sender): to a local user through the
 *       {@link LocalDeliverer}, to anyone else through the queue.</li>
 * </ul>
 */
public final class QueueRunner implements AutoCloseable {
    /**
     * Tunables, with the defaults of {@link #DEFAULTS}.
     *
     * @param relay a smarthost that takes all outbound mail instead of the MX hosts, or null
     */
    public record Settings(int mxPort, Duration firstRetry, Duration maxRetry, Duration maxAge, int concurrency,
                           Duration poll, Relay relay, Map<String, Relay> relayBySender, MtaSts mtaSts,
                           Connections connections) {
        public Settings(int mxPort, Duration firstRetry, Duration maxRetry, Duration maxAge, int concurrency,
                        Duration poll, Relay relay, Map<String, Relay> relayBySender, MtaSts mtaSts) {
            this(mxPort, firstRetry, maxRetry, maxAge, concurrency, poll, relay, relayBySender, mtaSts, Connections.DEFAULTS);
        }

        public Settings withMxPort(int port) {
            return new Settings(port, firstRetry, maxRetry, maxAge, concurrency, poll, relay, relayBySender, mtaSts, connections);
        }

        /** @param bySender relays chosen by the envelope sender's domain, before the global one */
        public Settings withRelays(Relay global, Map<String, Relay> bySender) {
            return new Settings(mxPort, firstRetry, maxRetry, maxAge, concurrency, poll, global, Map.copyOf(bySender), mtaSts, connections);
        }

        public Settings withMaxAge(Duration age) {
            return new Settings(mxPort, firstRetry, maxRetry, age, concurrency, poll, relay, relayBySender, mtaSts, connections);
        }

        public Settings withMtaSts(MtaSts m) {
            return new Settings(mxPort, firstRetry, maxRetry, maxAge, concurrency, poll, relay, relayBySender, m, connections);
        }

        public Settings withConnections(Connections c) {
            return new Settings(mxPort, firstRetry, maxRetry, maxAge, concurrency, poll, relay, relayBySender, mtaSts, c);
        }

        /** The smarthost for mail from {@code sender}, or null to deliver to the MX hosts. */
        Relay relayFor(String sender) {
            String domain = sender.substring(sender.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
            Relay r = relayBySender == null ? null : relayBySender.get(domain);
            return r != null ? r : relay;
        }
    }

    /**
     * MTA-STS (RFC 8461) enforcement: the policy source and the trust used to verify MX certificates when a
     * policy is in {@code enforce} mode.
     */
    public record MtaSts(MtaStsResolver resolver, javax.net.ssl.SSLContext trust) {}

    /**
     * Connection reuse and politeness per MX host ({@code [outbound]} {@code connections_per_host},
     * {@code messages_per_connection}, {@code idle_timeout_seconds}, {@code host_backoff_seconds}).
     *
     * @param perHost               connections to one MX host (or relay) at once
     * @param messagesPerConnection mail transactions one connection carries before QUIT (1: no reuse)
     * @param idle                  an idle connection is QUIT after this
     * @param hostBackoff           after a 421 or connection failure, the host rests this long, doubling with each
     *                              further failure up to {@link Settings#maxRetry}
     */
    public record Connections(int perHost, int messagesPerConnection, Duration idle, Duration hostBackoff) {
        public static final Connections DEFAULTS = new Connections(5, 100, Duration.ofSeconds(10), Duration.ofSeconds(30));
    }

    /** A smarthost for servers whose provider blocks port 25 (host, port, TLS mode and login). */
    public record Relay(String host, int port, SmtpClient.Security security) {}

    public static final Settings DEFAULTS = new Settings(25, Duration.ofMinutes(1), Duration.ofHours(1),
            Duration.ofDays(5), 20, Duration.ofSeconds(1), null, Map.of(), null);

    /**
     * How long a claimed entry stays ours without an outcome or a renewal. While attempts are under way the runner
     * renews its leases every quarter of the lease, so an attempt may take as long as RFC 5321
     * §4.5.3.2's timeouts allow over several MX hosts and is still never handed to another node; a node that dies
     * stops renewing, and another node takes its entries over within one lease (the owner itself releases its claims
     * when it starts again). The system property {@code tegami.queue.lease} (an ISO-8601 duration, e.g.
     * {@code PT3S}) sets it instead, for tests that kill a node and watch another take its entries over.
     */
    static final Duration LEASE = parseLease(System.getProperty("tegami.queue.lease"));

    static Duration parseLease(String property) {
        if (property == null || property.isBlank()) return Duration.ofMinutes(5);
        Duration d = Duration.parse(property.strip());
        if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("tegami.queue.lease must be positive: " + property);
        return d;
    }

    /**
     * How a message the queue makes (a bounce) reaches a local user: by default straight into the INBOX; the server
     * passes it through the user's rules (Sieve) like every other local delivery.
     */
    @FunctionalInterface
    public interface LocalDeliverer {
        void deliver(BlobId blob, long size, AccountId account) throws IOException;
    }

    private final Store store;
    private final DkimKeys dkim;
    private final String hostname;
    private final MxResolver mx;
    private final InstantSource clock;
    private final Settings settings;
    private final ConnectionPool pool;
    private final HostBackoff hostBackoff;
    /** This node's name in queue claims ({@link #owner(String)}). */
    private volatile String owner;
    /** {@link #LEASE}, or a shorter one a test sets ({@link #lease(Duration)}). */
    private volatile Duration lease = LEASE;
    /**
     * Where a bounce for an entry's sender goes: the sender itself, or for an SRS address of ours (a copy we
     * forwarded) the address it decodes to; empty drops the bounce (an SRS address of ours that no longer checks).
     */
    private volatile Function<String, Optional<String>> bounceRoute = Optional::of;
    private volatile LocalDeliverer localDeliverer;
    private volatile Dane dane;
    private volatile TlsReporter tlsReports;
    /** Runs after each scan of the queue, before its entries are started; tests widen the race window with it. */
    volatile Runnable afterScan = () -> { };
    /** Set by {@link #start}. */
    private volatile ClaimLoop claims;

    public QueueRunner(Store store, DkimKeys dkim, String hostname, MxResolver mx, InstantSource clock, Settings settings) {
        this.localDeliverer = (blob, size, account) -> store.mail().deliver(
                new DeliveryRequest(blob, size, clock.instant(), Set.of(account), Optional.empty()));
        this.store = store;
        this.dkim = dkim;
        this.hostname = hostname;
        this.owner = hostname;
        this.mx = mx;
        Connections c = settings.connections();
        this.pool = new ConnectionPool(new SmtpClient(hostname),
                new ConnectionPool.Limits(c.perHost(), c.messagesPerConnection(), c.idle()));
        this.hostBackoff = new HostBackoff(c.hostBackoff(), settings.maxRetry());
        this.clock = clock;
        this.settings = settings;
    }

    /**
     * Names this node in queue claims (default: the hostname), before {@link #start}. Nodes sharing a store need
     * different names even when they share a hostname: at start a node ends every lease held under its name, which
     * would otherwise take live entries from another node and let them be delivered twice.
     */
    public QueueRunner owner(String name) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("a queue owner needs a name");
        this.owner = name;
        return this;
    }

    /** Sets how bounces to local users are delivered; call before {@link #start()}. */
    public QueueRunner localDeliverer(LocalDeliverer d) {
        this.localDeliverer = d;
        return this;
    }

    /**
     * Records outbound TLS sessions for TLS reports (RFC 8460); null (the default) records nothing. Before
     * {@link #start}; {@link #close} closes the reporter too (its counts are saved).
     */
    public QueueRunner tlsReports(TlsReporter reporter) {
        this.tlsReports = reporter;
        return this;
    }

    /** Applies DANE (RFC 7672) to MX deliveries; null (the default) leaves it off. Before {@link #start}. */
    public QueueRunner dane(Dane dane) {
        this.dane = dane;
        return this;
    }

    /** A lease other than {@link #LEASE} (tests); before {@link #start}. */
    QueueRunner lease(Duration d) {
        if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("a lease must be positive");
        this.lease = d;
        return this;
    }

    /** Sets where bounces go (see {@link #bounceRoute}); before {@link #start}. */
    public QueueRunner bounceRoute(Function<String, Optional<String>> route) {
        this.bounceRoute = route;
        return this;
    }

    /** Wires the parts with the settings given so far, releases this node's old claims and starts delivering. */
    public QueueRunner start() {
        if (claims != null) throw new IllegalStateException("the queue runner is already started");
        Notices notices = new Notices(store, hostname, clock, bounceRoute, localDeliverer);
        Outcomes outcomes = new Outcomes(store, hostname, clock, settings, notices);
        TlsPolicy tls = new TlsPolicy(settings.mtaSts(), dane, tlsReports);
        EntryDelivery delivery = new EntryDelivery(store, dkim, mx, clock, settings,
                new HostSender(pool, hostBackoff, clock), tls, outcomes);
        ClaimLoop loop = new ClaimLoop(store, owner, lease, clock, settings, delivery::attempt, outcomes::afterError,
                () -> afterScan.run());
        claims = loop;
        loop.start();
        return this;
    }

    /** Starts looking for due entries now instead of at the next poll. */
    public void wake() {
        ClaimLoop loop = claims;
        if (loop != null) loop.wake();
    }

    /** 1 min, 2, 4 … capped at 1 h, ±20 % (see {@link Outcomes#backoff}). */
    Duration backoff(int attempts) {
        return Outcomes.backoff(settings, attempts);
    }

    /**
     * Stops claiming, lets the deliveries under way finish for a while (one still running after that is left to its
     * lease), then closes the pooled connections and the TLS reporter.
     */
    @Override
    public void close() {
        ClaimLoop loop = claims;
        if (loop != null) loop.close();
        pool.close();
        if (tlsReports != null) tlsReports.close();
    }
}
