package org.tegami.queue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.tegami.core.log.LogContext;
import org.tegami.core.log.LoggedMessageId;
import org.tegami.core.metrics.Metrics;
import org.tegami.mime.EmailAddress;
import org.tegami.mailauth.dkim.DkimKey;
import org.tegami.mailauth.dkim.DkimKeys;
import org.tegami.mailauth.dkim.DkimSigner;
import org.tegami.queue.dane.Dane;
import org.tegami.queue.mtasts.MtaStsPolicy;
import org.tegami.queue.mtasts.MtaStsResolver;
import org.tegami.store.Account;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.EnvelopeParams;
import org.tegami.store.QueueEntry;
import org.tegami.store.QueueId;
import org.tegami.store.Store;

/**
 * Delivers the outbound queue: claims due entries (a lease, so each is attempted by one delivery at a time),
 * routes each recipient domain through {@link MxResolver}, sends with {@link SmtpClient} over connections kept in a
 * {@link ConnectionPool} (several messages per connection, a cap per MX host), and records the outcome durably. A
 * host that answered 421 or could not be reached rests ({@link HostBackoff}); entries for it wait without counting
 * an attempt. 4xx and connection failures retry with exponential backoff and jitter; 5xx, null MX and
 * expiry produce one bounce to the sender (never for the null sender). Each attempt's outcome is committed
 * before the next, so a restart resends at most the messages that were in flight.
 */
public final class QueueRunner implements AutoCloseable {
    private static final Logger LOG = System.getLogger(QueueRunner.class.getName());

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

    /** When the sender hears that delivery is slow (a common MTA default, e.g. Postfix's delay_warning_time). */
    static final Duration DELAY_NOTICE_AFTER = Duration.ofHours(4);

    private final Store store;
    private final DkimKeys dkim;
    private final String hostname;
    /** This node's name in queue claims ({@link #owner(String)}). */
    private volatile String owner;
    /** {@link #LEASE}, or a shorter one a test sets ({@link #lease(Duration)}). */
    private volatile Duration lease = LEASE;
    private final MxResolver mx;
    private final SmtpClient client;
    private final InstantSource clock;
    private final Settings settings;
    private final Set<QueueId> inFlight = ConcurrentHashMap.newKeySet();
    /** How long {@link #close} waits for deliveries under way. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(15);
    private final Semaphore slots;
    private final Semaphore wakeups = new Semaphore(0);
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
    private final Thread poller;
    /** Renews the leases of the entries in flight, four times per lease (one missed renewal is harmless). */
    private final Thread renewer;
    private volatile boolean closed;
    /**
     * Where a bounce for an entry's sender goes: the sender itself, or for an SRS address of ours (a copy we
     * forwarded) the address it decodes to; empty drops the bounce (an SRS address of ours that no longer checks).
     */
    private volatile java.util.function.Function<String, Optional<String>> bounceRoute = Optional::of;
    private volatile Dane dane;
    private volatile org.tegami.queue.tlsrpt.TlsReporter tlsReports;
    /** Runs after each scan of the queue, before its entries are started; tests widen the race window with it. */
    volatile Runnable afterScan = () -> { };

    /**
     * How a message the queue makes (a bounce) reaches a local user: by default straight into the INBOX; the server
     * passes it through the user's rules (Sieve) like every other local delivery.
     */
    @FunctionalInterface
    public interface LocalDeliverer {
        void deliver(BlobId blob, long size, org.tegami.store.AccountId account) throws IOException;
    }

    private volatile LocalDeliverer localDeliverer;

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

    public QueueRunner(Store store, DkimKeys dkim, String hostname, MxResolver mx, InstantSource clock, Settings settings) {
        this.localDeliverer = (blob, size, account) -> store.mail().deliver(
                new DeliveryRequest(blob, size, clock.instant(), Set.of(account), Optional.empty()));
        this.store = store;
        this.dkim = dkim;
        this.hostname = hostname;
        this.owner = hostname;
        this.mx = mx;
        this.client = new SmtpClient(hostname);
        Connections c = settings.connections();
        this.pool = new ConnectionPool(client, new ConnectionPool.Limits(c.perHost(), c.messagesPerConnection(), c.idle()));
        this.hostBackoff = new HostBackoff(c.hostBackoff(), settings.maxRetry());
        this.clock = clock;
        this.settings = settings;
        this.slots = new Semaphore(settings.concurrency());
        this.poller = Thread.ofVirtual().name("queue-runner").unstarted(this::poll);
        this.renewer = Thread.ofVirtual().name("queue-lease").unstarted(this::renewLeases);
    }

    /**
     * Records outbound TLS sessions for TLS reports (RFC 8460); null (the default) records nothing. Before
     * {@link #start}; {@link #close} closes the reporter too (its counts are saved).
     */
    public QueueRunner tlsReports(org.tegami.queue.tlsrpt.TlsReporter reporter) {
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
    public QueueRunner bounceRoute(java.util.function.Function<String, Optional<String>> route) {
        this.bounceRoute = route;
        return this;
    }

    public QueueRunner start() {
        // Leases this node held when it last stopped (or crashed) end now rather than when they run out.
        int released = store.queue().releaseClaims(owner);
        if (released > 0) LOG.log(Level.INFO, "released " + released + " queue entries claimed before the last stop");
        store.queue().onEnqueue(this::wake);
        poller.start();
        renewer.start();
        return this;
    }

    /** Starts looking for due entries now instead of at the next poll. */
    public void wake() {
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
                            attempt(e);
                        } catch (RuntimeException ex) {
                            LOG.log(Level.ERROR, "delivery of queue entry " + e.id() + " failed unexpectedly", ex);
                            deferAfterError(e, ex);
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

    /** One attempt for every remaining recipient of an entry, grouped by domain. */
    void attempt(QueueEntry e) {
        LogContext.put(LogContext.QUEUE, e.id().toString());
        LogContext.put(LogContext.MSGID, messageId(e));
        Map<String, List<String>> byDomain = new LinkedHashMap<>();
        for (String r : e.recipients()) {
            String domain = r.substring(r.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
            byDomain.computeIfAbsent(domain, d -> new ArrayList<>()).add(r);
        }
        byte[] signature = signature(e);
        boolean eightBit = eightBit(e);
        Map<String, DeliveryStatus> result = new LinkedHashMap<>();
        for (var d : byDomain.entrySet()) result.putAll(deliverDomain(e, signature, eightBit, d.getKey(), d.getValue()));

        Instant now = clock.instant();
        boolean expired = now.isAfter(e.created().plus(settings.maxAge()));
        Map<String, DeliveryStatus.PermFailed> failed = new LinkedHashMap<>();
        Map<String, DeliveryStatus.Delivered> relayed = new LinkedHashMap<>();
        List<String> remaining = new ArrayList<>();
        String lastError = "";
        for (var r : result.entrySet()) {
            switch (r.getValue()) {
                case DeliveryStatus.Delivered ok -> {
                    LOG.log(Level.INFO, "delivered queue " + e.id() + " to <" + r.getKey() + "> via " + ok.host() + ": " + ok.reply());
                    // RFC 3461 §5.2.2–5.2.3: a next hop without DSN will not report success, so we say it was relayed
                    if (!ok.dsn() && e.params().recipient(r.getKey()).wants(EnvelopeParams.Notify.SUCCESS)) relayed.put(r.getKey(), ok);
                }
                case DeliveryStatus.PermFailed f -> failed.put(r.getKey(), f);
                case DeliveryStatus.TempFailed t -> {
                    lastError = t.reason();
                    LOG.log(Level.INFO, "deferred queue " + e.id() + " for <" + r.getKey() + ">: " + t.reason());
                    if (expired) failed.put(r.getKey(), new DeliveryStatus.PermFailed(
                            "4.4.7 gave up after " + settings.maxAge().toDays() + " days: " + t.reason(), null));
                    else remaining.add(r.getKey());
                }
                case DeliveryStatus.Scheduled s -> {
                    // A host that keeps resting must not keep mail past the give-up age either.
                    if (expired) failed.put(r.getKey(), new DeliveryStatus.PermFailed("4.4.7 gave up after "
                            + settings.maxAge().toDays() + " days: " + (e.lastError().isEmpty() ? "the host was busy or resting" : e.lastError()), null));
                    else remaining.add(r.getKey());
                }
            }
        }
        for (DeliveryStatus st : result.values()) {
            if (st instanceof DeliveryStatus.Scheduled) continue; // not tried in this attempt
            Metrics.outboundDelivery(st instanceof DeliveryStatus.Delivered ? "delivered"
                    : st instanceof DeliveryStatus.TempFailed && !expired ? "deferred" : "bounced");
        }
        if (!failed.isEmpty()) {
            failed.forEach((rcpt, f) -> LOG.log(Level.INFO, "bounced queue " + e.id() + " for <" + rcpt + ">: " + f.reason()));
            // RFC 3461 §4.1: a failure is reported unless the recipient's NOTIFY leaves FAILURE out (NEVER included)
            Map<String, DeliveryStatus.PermFailed> told = wanted(e, failed, EnvelopeParams.Notify.FAILURE);
            if (!told.isEmpty()) notice(e, "bounce", (to, original) -> Bounce.failed(hostname, to, e.created(), e.params(), told, original, clock.instant()));
        }
        if (!relayed.isEmpty()) {
            notice(e, "relay notice", (to, original) -> Bounce.relayed(hostname, to, e.created(), e.params(), relayed, original, clock.instant()));
        }
        if (!remaining.isEmpty() && !e.delayNotified() && now.isAfter(e.created().plus(DELAY_NOTICE_AFTER))) {
            Map<String, DeliveryStatus.PermFailed> late = new LinkedHashMap<>();
            for (String r : remaining) {
                DeliveryStatus st = result.get(r);
                late.put(r, new DeliveryStatus.PermFailed(st instanceof DeliveryStatus.TempFailed t ? t.reason() : "not yet tried", null));
            }
            // RFC 3461 §4.1: only recipients whose NOTIFY names DELAY or is absent
            Map<String, DeliveryStatus.PermFailed> told = wanted(e, late, EnvelopeParams.Notify.DELAY);
            Instant until = e.created().plus(settings.maxAge());
            if (!told.isEmpty()) notice(e, "delay notice", (to, original) -> Bounce.delayed(hostname, to, e.created(), e.params(), told, original, clock.instant(), until));
            store.queue().markDelayNotified(e.id());
        }
        Optional<Instant> waiting = result.values().stream().filter(st -> st instanceof DeliveryStatus.Scheduled)
                .map(st -> ((DeliveryStatus.Scheduled) st).at()).min(Instant::compareTo);
        if (!expired && waiting.isPresent() && result.values().stream().allMatch(st -> st instanceof DeliveryStatus.Scheduled)) {
            // Nothing was tried: the hosts rest after failures or are busy. Not an attempt of this entry.
            // ...but no later than just past the give-up age, which then bounces it.
            Instant giveUp = e.created().plus(settings.maxAge()).plusMillis(1);
            Instant at = waiting.get().isAfter(giveUp) ? giveUp : waiting.get();
            store.queue().reschedule(e.id(), remaining, at, e.attempts(), e.lastError());
            return;
        }
        int attempts = e.attempts() + 1;
        Instant next = now.plus(backoff(attempts));
        store.queue().reschedule(e.id(), remaining, next, attempts, lastError);
    }

    /** A bug or store failure must not turn into a retry every poll: back off as for a temporary failure. */
    private void deferAfterError(QueueEntry e, RuntimeException ex) {
        try {
            store.queue().reschedule(e.id(), e.recipients(), clock.instant().plus(backoff(e.attempts() + 1)),
                    e.attempts() + 1, "internal error: " + ex);
        } catch (RuntimeException again) {
            LOG.log(Level.ERROR, "cannot reschedule queue entry " + e.id(), again);
        }
    }

    /**
     * DKIM-Signature fields for the message when the domain recorded at submission (its From: domain, checked to
     * belong to the submitter) is one of ours and has keys (DMARC aligns on the From: domain); empty otherwise.
     * The domain is never read from the message here: its From: field is whatever the client wrote.
     */
    private byte[] signature(QueueEntry e) {
        if (dkim == null || e.dkimDomain().isEmpty()) return new byte[0];
        String domain = e.dkimDomain().toLowerCase(Locale.ROOT);
        try {
            if (!store.accounts().isLocalDomain(domain)) return new byte[0];
            List<DkimKey> keys = dkim.forDomain(domain);
            if (keys.isEmpty()) return new byte[0];
            try (InputStream in = body(e)) {
                return DkimSigner.sign(keys, in, clock.instant()).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            }
        } catch (IOException | RuntimeException ex) {
            LOG.log(Level.WARNING, "not signing queue entry " + e.id() + ": " + ex.getMessage());
            return new byte[0];
        }
    }

    /** The Message-ID for the log lines of this attempt; null when the message has none that fits a log line. */
    private String messageId(QueueEntry e) {
        try (InputStream in = body(e)) {
            return LoggedMessageId.find(in.readNBytes(LoggedMessageId.HEAD)).orElse(null);
        } catch (IOException | RuntimeException ex) {
            return null; // only the log line loses the id; the attempt reports the real failure
        }
    }

    /** Whether the message has any byte above 127 (then it is declared 8BITMIME where the peer offers it). */
    private boolean eightBit(QueueEntry e) {
        try (InputStream in = body(e)) {
            byte[] buf = new byte[16 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) {
                for (int i = 0; i < n; i++) if (buf[i] < 0) return true;
            }
            return false;
        } catch (IOException ex) {
            return true;
        }
    }

    private Map<String, DeliveryStatus> deliverDomain(QueueEntry e, byte[] signature, boolean eightBit, String domain,
                                                      List<String> rcpts) {
        Map<String, DeliveryStatus> out = new LinkedHashMap<>();
        Relay relay = settings.relayFor(e.sender());
        if (relay != null) {
            SmtpClient.Outgoing msg = new SmtpClient.Outgoing(e.sender(), rcpts, length(e) + signature.length,
                    () -> new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(signature), body(e)), eightBit,
                    e.params());
            try {
                for (InetAddress a : InetAddress.getAllByName(relay.host())) {
                    out.putAll(send(relay.host(), new InetSocketAddress(a, relay.port()), msg, relay.security()));
                    if (!out.values().stream().allMatch(s -> s instanceof DeliveryStatus.TempFailed)) break;
                }
            } catch (java.net.UnknownHostException ex) {
                rcpts.forEach(r -> out.put(r, new DeliveryStatus.TempFailed("relay " + relay.host() + " not found")));
            }
            return out;
        }
        return deliverToMx(e, signature, eightBit, domain, rcpts, out);
    }

    /**
     * One message to one address of a host, over a pooled connection: every recipient gets a status. A host that
     * rests after failures, or has all its connections busy, gets {@link DeliveryStatus.Scheduled} (not tried).
     * A reused connection that fails is dropped and the message sent once more on a new one.
     */
    private Map<String, DeliveryStatus> send(String host, InetSocketAddress address, SmtpClient.Outgoing msg,
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

    private Map<String, DeliveryStatus> deliverToMx(QueueEntry e, byte[] signature, boolean eightBit, String domain,
                                                    List<String> rcpts, Map<String, DeliveryStatus> out) {
        MxResolver.Route route = mx.resolve(domain);
        switch (route) {
            case MxResolver.Route.NoMail n -> rcpts.forEach(r -> out.put(r, new DeliveryStatus.PermFailed("550 5.1.2 " + n.reason(), null)));
            case MxResolver.Route.TryLater t -> rcpts.forEach(r -> out.put(r, new DeliveryStatus.TempFailed(t.reason())));
            case MxResolver.Route.Hosts all -> {
                Optional<MtaStsPolicy> policy = settings.mtaSts() == null ? Optional.empty()
                        : settings.mtaSts().resolver().policy(domain);
                if (policy.isPresent() && policy.get().mode() == MtaStsPolicy.Mode.TESTING
                        && all.hosts().stream().anyMatch(x -> !policy.get().allows(x.name()))) {
                    LOG.log(Level.WARNING, "MTA-STS (testing) for " + domain + ": MX hosts outside the policy");
                }
                Dane.MxSecurity mxSecurity = dane == null ? Dane.MxSecurity.INSECURE : dane.mx(domain);
                boolean requireTls = e.params().requireTls();
                List<String> pending = new ArrayList<>(rcpts);
                SmtpClient.Outgoing msg = new SmtpClient.Outgoing(e.sender(), pending,
                        length(e) + signature.length,
                        () -> new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(signature), body(e)), eightBit,
                        e.params());
                List<String> skipped = new ArrayList<>();
                boolean tried = false;
                hosts:
                for (MxResolver.Host host : all.hosts()) {
                    HostSecurity hs = requireTls ? requireTlsSecurity(domain, host, mxSecurity, policy)
                            : e.params().tls() == EnvelopeParams.Tls.NOT_REQUIRED ? RELAXED
                            : hostSecurity(domain, host, mxSecurity, policy);
                    if (hs.security() == null) {
                        skipped.add(hs.skip());
                        reportTls(domain, host.name(), "", hs, hs.skip());
                        continue;
                    }
                    tried = true;
                    for (InetAddress a : host.addresses()) {
                        Map<String, DeliveryStatus> r = send(host.name(), new InetSocketAddress(a, settings.mxPort()), msg, hs.security());
                        // RFC 5321 §5.1: on a temporary failure of the whole transaction, try the next address (a
                        // host that rests or is busy counts as one); with REQUIRETLS a host without a verified
                        // REQUIRETLS path is passed over for the next one too (RFC 8689 §4.2.1)
                        boolean allTemp = r.values().stream().allMatch(s -> s instanceof DeliveryStatus.TempFailed
                                || s instanceof DeliveryStatus.Scheduled || requireTls && noRequireTlsPath(s));
                        DeliveryStatus first = r.isEmpty() ? null : r.values().iterator().next();
                        // a host that rests or is busy was not contacted: no TLS outcome to report
                        if (!(first instanceof DeliveryStatus.Scheduled)) {
                            reportTls(domain, host.name(), a.getHostAddress(), hs,
                                    allTemp && first instanceof DeliveryStatus.TempFailed t ? t.reason() : null);
                        }
                        out.putAll(r);
                        if (!allTemp) break hosts;
                    }
                }
                if (!tried) {
                    // RFC 8461 §5 (only hosts the policy names) and RFC 7672 §2.2 (never without TLS): nothing to try
                    String reason = skipped.stream().filter(x -> !x.startsWith("MTA-STS")).findFirst()
                            .orElse("MTA-STS: no MX host of " + domain + " matches its policy " + policy.map(MtaStsPolicy::mx).orElse(List.of()));
                    // RFC 8689 §5: no host can take a REQUIRETLS message: it comes back now, not after days of retries
                    boolean never = requireTls && skipped.stream().allMatch(x -> x.startsWith("5.7.30"));
                    rcpts.forEach(r -> out.put(r, never ? new DeliveryStatus.PermFailed("550 " + reason, null)
                            : new DeliveryStatus.TempFailed(reason)));
                } else if (requireTls) {
                    // every host refused TLS or its certificate: no verified path either (RFC 8689 §5)
                    out.replaceAll((r, st) -> st instanceof DeliveryStatus.TempFailed t && tlsFailure(t.reason())
                            ? new DeliveryStatus.PermFailed("550 5.7.30 REQUIRETLS: no verified TLS path to " + domain + ": " + t.reason(), null)
                            : st);
                }
            }
        }
        return out;
    }

    /** RFC 8689 §4.2.2 ({@code TLS-Required: No}): TLS when offered, DANE and MTA-STS not applied. */
    private static final HostSecurity RELAXED = new HostSecurity(SmtpClient.Security.OPPORTUNISTIC, null, "no-policy-found", List.of());

    /** A host that refused a REQUIRETLS message because it cannot give it the path §4.2.1 asks for. */
    private static boolean noRequireTlsPath(DeliveryStatus s) {
        return s instanceof DeliveryStatus.PermFailed p && p.reason().contains(" 5.7.30 ");
    }

    /** A temporary failure that is about TLS itself (no STARTTLS, handshake or certificate refused). */
    private static boolean tlsFailure(String reason) {
        return reason.contains("SSLHandshakeException") || reason.contains("does not offer STARTTLS")
                || reason.contains("SSLException");
    }

    /**
     * RFC 8689 §4.2.1 for a REQUIRETLS message: the MX host name must be authentic (the MX RRset validated by DNSSEC,
     * or the host named by the domain's MTA-STS policy, RFC 8461 §4.1), and the server authenticated by DANE
     * (usable TLSA records) or else by PKIX against the MX host name (RFC 6125) with {@code [outbound]}'s trust;
     * the session then must offer REQUIRETLS ({@link SmtpClient}). A host that fails the name check is skipped with
     * 5.7.30.
     */
    private HostSecurity requireTlsSecurity(String domain, MxResolver.Host host, Dane.MxSecurity mxSecurity,
                                            Optional<MtaStsPolicy> policy) {
        Dane.HostPolicy d = dane == null ? new Dane.HostPolicy.None("DANE off") : dane.forHost(host.name(), mxSecurity);
        if (d instanceof Dane.HostPolicy.Required r && r.authenticated()) {
            return new HostSecurity(SmtpClient.Security.dane(r.context()), null, "tlsa",
                    r.records().stream().map(Object::toString).toList());
        }
        if (d instanceof Dane.HostPolicy.Defer f) return new HostSecurity(null, f.reason(), "tlsa", List.of());
        String type = policy.isPresent() ? "sts" : "no-policy-found";
        List<String> lines = policy.map(QueueRunner::policyLines).orElse(List.of());
        boolean named = mxSecurity == Dane.MxSecurity.SECURE || policy.map(p -> p.allows(host.name())).orElse(false);
        if (!named) {
            return new HostSecurity(null, "5.7.30 REQUIRETLS: the MX host " + host.name() + " of " + domain
                    + " is not authenticated (MX records not DNSSEC-validated, no MTA-STS policy names it)", type, lines);
        }
        return new HostSecurity(new SmtpClient.Security(pkixTrust(), true, false, null, null), null, type, lines);
    }

    /** The trust for certificates checked against a host name: {@code [outbound]}'s (MTA-STS) or the JDK's. */
    private javax.net.ssl.SSLContext pkixTrust() {
        if (settings.mtaSts() != null) return settings.mtaSts().trust();
        try {
            return javax.net.ssl.SSLContext.getDefault();
        } catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * How to secure the connection to one MX host, or why it is not tried ({@code security} null), and the policy
     * that decided it as TLS reports name it (RFC 8460 §4.4: {@code tlsa}, {@code sts}, {@code no-policy-found}).
     */
    private record HostSecurity(SmtpClient.Security security, String skip, String policyType, List<String> policy) {}

    /**
     * Counts one session for TLS reports (RFC 8460): a success unless {@code failure} (the attempt's temporary
     * failure, or why the host was not tried) is a TLS failure; failures that are not about TLS are not counted.
     */
    private void reportTls(String domain, String mx, String ip, HostSecurity hs, String failure) {
        org.tegami.queue.tlsrpt.TlsReporter r = tlsReports;
        if (r == null) return;
        Optional<String> type = failure == null ? Optional.of(org.tegami.queue.tlsrpt.TlsSession.SUCCESS)
                : org.tegami.queue.tlsrpt.TlsSession.failureType(failure);
        type.ifPresent(t -> r.record(domain, new org.tegami.queue.tlsrpt.TlsSession(hs.policyType(), hs.policy(), mx, t, ip)));
    }

    /** The MTA-STS policy as the lines of its file (RFC 8461 §3.2), for TLS reports' policy-string. */
    private static List<String> policyLines(MtaStsPolicy p) {
        List<String> out = new ArrayList<>(List.of("version: STSv1", "mode: " + p.mode().name().toLowerCase(Locale.ROOT)));
        p.mx().forEach(m -> out.add("mx: " + m));
        out.add("max_age: " + p.maxAge().toSeconds());
        return out;
    }

    /**
     * DANE first (RFC 7672): usable TLSA records make TLS mandatory and authenticate the host by them, and then
     * MTA-STS does not apply to it (RFC 8461 §2); otherwise an enforced MTA-STS policy admits only the hosts it
     * names, over TLS with a certificate valid for the name (RFC 8461 §5); otherwise opportunistic TLS.
     */
    private HostSecurity hostSecurity(String domain, MxResolver.Host host, Dane.MxSecurity mxSecurity,
                                      Optional<MtaStsPolicy> policy) {
        Dane.HostPolicy d = dane == null ? new Dane.HostPolicy.None("DANE off") : dane.forHost(host.name(), mxSecurity);
        switch (d) {
            case Dane.HostPolicy.Required r -> {
                return new HostSecurity(SmtpClient.Security.dane(r.context()), null, "tlsa",
                        r.records().stream().map(Object::toString).toList());
            }
            case Dane.HostPolicy.Defer f -> {
                LOG.log(Level.WARNING, "not delivering to " + host.name() + " for " + domain + ": " + f.reason());
                return new HostSecurity(null, f.reason(), "tlsa", List.of());
            }
            case Dane.HostPolicy.None n -> { }
        }
        if (policy.isPresent() && policy.get().mode() == MtaStsPolicy.Mode.ENFORCE) {
            List<String> lines = policyLines(policy.get());
            if (!policy.get().allows(host.name())) return new HostSecurity(null, "MTA-STS: " + host.name() + " not in the policy", "sts", lines);
            return new HostSecurity(new SmtpClient.Security(settings.mtaSts().trust(), true, false, null, null), null, "sts", lines);
        }
        if (policy.isPresent() && policy.get().mode() == MtaStsPolicy.Mode.TESTING) {
            return new HostSecurity(SmtpClient.Security.OPPORTUNISTIC, null, "sts", policyLines(policy.get()));
        }
        return new HostSecurity(SmtpClient.Security.OPPORTUNISTIC, null, "no-policy-found", List.of());
    }

    /** The message as sent: the entry's own header lines (a forwarded copy's ARC set), then the blob. */
    private InputStream body(QueueEntry e) throws IOException {
        InputStream in = store.blobs().open(e.blob());
        in.skipNBytes(e.skipBytes()); // the Return-Path: line is for local delivery only
        return e.prefix().isEmpty() ? in : new java.io.SequenceInputStream(e.prefix().stream(), in);
    }

    private static long length(QueueEntry e) {
        return e.size() - e.skipBytes() + e.prefix().length();
    }

    /** 1 min, 2, 4 … capped at 1 h, ±20 % so retries from many entries do not march in step. */
    Duration backoff(int attempts) {
        long base = settings.firstRetry().toMillis() << Math.min(20, attempts - 1);
        long capped = Math.min(base, settings.maxRetry().toMillis());
        double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
        return Duration.ofMillis((long) (capped * jitter));
    }

    /** The recipients of {@code all} whose NOTIFY asks to hear of {@code n}. */
    private static <T> Map<String, T> wanted(QueueEntry e, Map<String, T> all, EnvelopeParams.Notify n) {
        Map<String, T> out = new LinkedHashMap<>();
        all.forEach((r, v) -> {
            if (e.params().recipient(r).wants(n)) out.put(r, v);
            else LOG.log(Level.INFO, "no " + n.name().toLowerCase(Locale.ROOT) + " notice for <" + r + "> of queue " + e.id() + ": NOTIFY " + e.params().recipient(r).notifyText());
        });
        return out;
    }

    /** Builds a notice for the sender {@code to} from the original message's text. */
    @FunctionalInterface
    private interface NoticeBuilder {
        byte[] build(String to, InputStream original) throws IOException;
    }

    /**
     * One DSN to the envelope sender; never for the null sender (RFC 5321 §6.1). It goes to the user who submitted
     * the message, even when the sender is an alias shared with others (they did not send it, and the DSN quotes it).
     */
    private void notice(QueueEntry e, String what, NoticeBuilder builder) {
        if (e.sender().isEmpty()) return;
        Optional<String> to = bounceRoute.apply(e.sender());
        if (to.isEmpty() || to.get().isEmpty()) {
            LOG.log(Level.WARNING, "no " + what + " for queue entry " + e.id() + ": its sender <" + e.sender() + "> leads nowhere");
            return;
        }
        String sender = to.get();
        try (InputStream original = body(e); BlobStore.BlobWriter w = store.blobs().create()) {
            byte[] dsn = builder.build(sender, original);
            w.stream().write(("Return-Path: <>\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            w.stream().write(dsn);
            BlobId blob = w.commit();
            Optional<Account> local = e.submitter().flatMap(id -> store.accounts().user(id));
            if (local.isEmpty()) local = localAccount(sender);
            if (local.isPresent()) {
                localDeliverer.deliver(blob, w.size(), local.get().id());
            } else {
                // Our own From: MAILER-DAEMON@hostname: signed only if the hostname is a domain of ours with keys.
                store.mail().deliver(new DeliveryRequest(blob, w.size(), clock.instant(), Set.of(),
                        Optional.of(new DeliveryRequest.Outbound("", List.of(sender), "Return-Path: <>\r\n".length(),
                                Optional.empty(), hostname).withParams(e.params().requireTls()
                                        // RFC 8689 §5: a notice about a REQUIRETLS message is sent under REQUIRETLS too
                                        ? EnvelopeParams.NONE.withTls(EnvelopeParams.Tls.REQUIRED) : EnvelopeParams.NONE))));
            }
        } catch (IOException | RuntimeException ex) {
            LOG.log(Level.ERROR, "could not create the " + what + " for queue entry " + e.id(), ex);
        }
    }

    /**
     * For entries without a submitter: the local user a sender address belongs to: itself, without +detail, or
     * the first user of its alias.
     */
    private Optional<Account> localAccount(String sender) {
        Optional<EmailAddress> a = EmailAddress.parse(sender);
        if (a.isEmpty() || !store.accounts().isLocalDomain(a.get().domain())) return Optional.empty();
        EmailAddress base = a.get().withoutDetail('+').orElse(a.get());
        Optional<Account> user = store.accounts().user(base);
        if (user.isPresent()) return user;
        return store.accounts().alias(base.key()).flatMap(al -> al.targets().stream()
                .map(EmailAddress::parse).flatMap(Optional::stream).map(t -> store.accounts().user(t))
                .flatMap(Optional::stream).findFirst());
    }

    @Override
    public void close() {
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
        pool.close();
        if (tlsReports != null) tlsReports.close();
    }
}
