package org.tegami.server;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.tegami.auth.Authenticator;
import org.tegami.auth.LoginThrottle;
import org.tegami.auth.PasswordHasher;
import org.tegami.auth.RecipientResolver;
import org.tegami.net.ConnectionHandler;
import org.tegami.net.ConnectionLimiter;
import org.tegami.net.Listener;
import org.tegami.net.TlsMode;
import org.tegami.net.tls.TlsContext;
import org.tegami.delivery.AuthenticationStage;
import org.tegami.delivery.InboundPipeline;
import org.tegami.delivery.UserRulesStage;
import org.tegami.delivery.spam.Learner;
import org.tegami.delivery.spam.SpamStage;
import org.tegami.imap.server.ImapEnvironment;
import org.tegami.imap.server.ImapServer;
import org.tegami.managesieve.server.ManageSieveEnvironment;
import org.tegami.managesieve.server.ManageSieveServer;
import org.tegami.pop3.server.MaildropLocks;
import org.tegami.pop3.server.Pop3Environment;
import org.tegami.pop3.server.Pop3Server;
import org.tegami.queue.MxResolver;
import org.tegami.queue.QueueRunner;
import org.tegami.mailauth.dkim.DkimKeys;
import org.tegami.queue.mtasts.MtaStsResolver;
import org.tegami.server.config.TegamiConfig;
import org.tegami.server.http.AutoconfigHttp;
import org.tegami.server.http.ClientSettings;
import org.tegami.server.metrics.MetricsService;
import org.tegami.smtp.server.SmtpEnvironment;
import org.tegami.smtp.server.SendRate;
import org.tegami.smtp.server.SmtpServer;
import org.tegami.store.Store;

/**
 * The explicit wiring of one server process: store, TLS, the shared login throttle and connection limiter, and
 * one listener per configured address. Nothing here is looked up by name or reflection.
 */
public final class TegamiServer implements AutoCloseable {

    /** A bound listener and the service it serves, for the startup summary. */
    public record Bound(String service, Listener listener) {}

    private final TegamiConfig config;
    private final Store store;
    private final TlsContext tls;
    private final List<Bound> listeners;
    private final List<AutoconfigHttp> http;
    private final QueueRunner queue;
    private final BlobCollection collection;
    private final InboundPipeline pipeline;
    private final Learner learner;
    private final org.tegami.delivery.report.DmarcReporter dmarcReports;
    private final org.tegami.delivery.forward.Forwarder forwarder;
    private org.tegami.fetch.Fetcher fetcher;
    private org.tegami.fetch.FetchScheduler fetchScheduler;
    private org.tegami.server.log.TraceHistory traceHistory;
    private final MetricsService metrics;
    private org.tegami.server.acme.AcmeManager acme;
    private AutoCloseable dataDirLock; // or, on PostgreSQL, the migration lock

    private TegamiServer(TegamiConfig config, Store store, TlsContext tls, List<Bound> listeners, List<AutoconfigHttp> http,
                         QueueRunner queue, BlobCollection collection, InboundPipeline pipeline, Learner learner,
                         org.tegami.delivery.report.DmarcReporter dmarcReports, org.tegami.delivery.forward.Forwarder forwarder,
                         MetricsService metrics) {
        this.metrics = metrics;
        this.forwarder = forwarder;
        this.pipeline = pipeline;
        this.learner = learner;
        this.dmarcReports = dmarcReports;
        this.config = config;
        this.store = store;
        this.tls = tls;
        this.listeners = listeners;
        this.http = http;
        this.queue = queue;
        this.collection = collection;
    }

    /** Opens the store, loads TLS material and binds every listener; on any failure closes what it opened. */
    public static TegamiServer start(TegamiConfig cfg, InstantSource clock) {
        // TLS 1.2 client-initiated renegotiation is a DoS lever and no mail client needs it.
        System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
        TlsContext tls = cfg.tlsCert().isPresent()
                ? TlsContext.fromPem(cfg.tlsCert().get(), cfg.tlsKey().orElseThrow(), clock)
                : cfg.acme().isPresent() ? acmeOrSelfSigned(cfg, clock)
                : TlsContext.selfSigned(cfg.dataDir(), cfg.hostname(), clock);
        // tegami migrate refuses while this is held, and a server does not start while migrate reads the directory
        // on PostgreSQL the same holds across nodes through the migration's advisory lock, held shared (ADR 0027)
        AutoCloseable lock = cfg.store() instanceof org.tegami.server.config.StoreSettings.Postgres pg
                ? org.tegami.server.migrate.MigrateLock.shared(pg, org.tegami.server.migrate.MigrateLock.User.SERVER)
                : DataDirLock.server(cfg.dataDir());
        Store store;
        try {
            store = Stores.open(cfg, clock, System.err::println);
        } catch (RuntimeException e) {
            release(lock);
            throw e;
        }
        org.tegami.server.acme.AcmeManager acme = null;
        List<Bound> bound = new ArrayList<>();
        List<AutoconfigHttp> http = new ArrayList<>();
        QueueRunner queue = null;
        Learner learner = null;
        org.tegami.delivery.report.DmarcReporter dmarcReports = null;
        InboundPipeline pipeline;
        org.tegami.delivery.forward.Forwarder forwarder;
        MetricsService metrics = null;
        try {
            // ADR 0017: counting starts before the first listener binds
            metrics = MetricsService.start(cfg.listen("metrics"), () -> store.queue().list().size());
            // ADR 0008: every local delivery passes through one pipeline: authenticate → classify → user rules
            // RFC 8601 §2.5: our host name is the authserv-id; lookups go through [dns] nameservers, cached by TTL
            // One cache for sender authentication and DNSBLs. Cheap refusals first: a listed or greylisted client
            // costs no SPF/DKIM lookups.
            var dnsCache = new org.tegami.mailauth.dns.CachingDns(cfg.nameservers());
            var senders = new org.tegami.mailauth.SenderAuthenticator(dnsCache, cfg.hostname(), InstantSource.system(),
                    java.util.random.RandomGenerator.getDefault(), org.tegami.mailauth.SenderAuthenticator.DNS_BUDGET);
            List<org.tegami.delivery.Stage> stages = new ArrayList<>();
            var abuse = cfg.abuse();
            if (!abuse.dnsbl().isEmpty()) stages.add(new org.tegami.delivery.abuse.DnsblStage(dnsCache, abuse.dnsbl(), clock));
            if (abuse.greylisting()) {
                stages.add(new org.tegami.delivery.abuse.GreylistStage(store.greylist(), abuse.greylistDelay(), clock));
            }
            if (cfg.inbound().verify() && cfg.inbound().dmarcReports()) {
                dmarcReports = new org.tegami.delivery.report.DmarcReporter(store, dnsCache, cfg.hostname(), clock).start();
            }
            var authentication = new AuthenticationStage(senders, cfg.inbound(), dmarcReports);
            stages.add(authentication);
            if (abuse.rspamd().isPresent()) {
                stages.add(new org.tegami.delivery.abuse.RspamdStage(abuse.rspamd().get(), abuse.rspamdReject(),
                        org.tegami.delivery.abuse.RspamdStage.TIMEOUT, clock,
                        id -> store.accounts().user(id).map(a -> a.address().toString())));
            }
            stages.add(new SpamStage(cfg.spam(), store.classifier()));
            UserRulesStage userRules;
            try {
                userRules = new UserRulesStage(store, cfg.hostname(), clock, org.tegami.sieve.SieveLimits.DEFAULTS,
                        cfg.sieveBefore(), cfg.sieveAfter());
                stages.add(userRules);
            } catch (org.tegami.sieve.SieveException e) {
                throw new IllegalStateException("[sieve] site script does not compile: " + e.getMessage(), e); // checked at load
            }
            pipeline = new InboundPipeline(stages);
            learner = new Learner(store, cfg.spam().learning(), Duration.ofSeconds(1), abuse.rspamdLearning().map(u ->
                    new org.tegami.delivery.abuse.RspamdLearner(u, abuse.rspamdPassword(),
                            org.tegami.delivery.abuse.RspamdStage.TIMEOUT, clock))).start();
            var accounts = store.accounts();
            // ADR 0024: on a store several nodes share, throttles, rates and POP3 locks are the cluster's
            boolean sharedStore = cfg.store() instanceof org.tegami.server.config.StoreSettings.Postgres;
            var coordination = store.coordination();
            var auth = new Authenticator(accounts, new PasswordHasher(), sharedStore
                    ? LoginThrottle.shared(coordination, clock) : new LoginThrottle(clock));
            // Port 25 may hold at most half of all connections, so mail from the internet never crowds out users;
            // and when full, connections that have not logged in are evicted oldest first (ConnectionLimiter).
            var limiter = new ConnectionLimiter(cfg.limits().connectionsTotal(), cfg.limits().connectionsPerIp())
                    .limitService("smtp", Math.max(1, cfg.limits().connectionsTotal() / 2));
            // ADR 0013: aliases' remote targets get SRS-rewritten, ARC-sealed copies; bounces to them come back here
            var srs = new org.tegami.mailauth.srs.Srs(org.tegami.mailauth.srs.SrsKeys.loadOrCreate(cfg.dataDir()), clock,
                    cfg.forwarding().srsMaxAge());
            forwarder = new org.tegami.delivery.forward.Forwarder(srs, new DkimKeys(cfg.dataDir()), cfg.hostname(),
                    authentication, clock, cfg.forwarding(), sharedStore
                    ? org.tegami.delivery.forward.ForwardRate.shared(cfg.forwarding().maxPerHour(), coordination)
                    : new org.tegami.delivery.forward.ForwardRate(cfg.forwarding().maxPerHour()));
            var smtpEnv = new SmtpEnvironment(cfg.hostname(), cfg.limits(), store, auth,
                    new RecipientResolver(accounts), tls, clock, sharedStore
                    ? SendRate.shared(cfg.limits().messagesPerHour(), coordination) : new SendRate(cfg.limits().messagesPerHour()),
                    pipeline, forwarder);
            var pop3 = new Pop3Server(new Pop3Environment(cfg.hostname(), store, auth, tls, Duration.ofMinutes(10),
                    sharedStore ? MaildropLocks.shared(coordination, nodeId(cfg), clock, pop3LeaseTtl) : new MaildropLocks()));
            var inbound = new SmtpServer(SmtpServer.Role.INBOUND, smtpEnv);
            var submission = new SmtpServer(SmtpServer.Role.SUBMISSION, smtpEnv);
            bind(bound, cfg, "smtp", TlsMode.STARTTLS, tls, limiter, inbound, SmtpServer.BUSY);
            bind(bound, cfg, "submission", TlsMode.STARTTLS, tls, limiter, submission, SmtpServer.BUSY);
            bind(bound, cfg, "submissions", TlsMode.IMPLICIT, tls, limiter, submission, SmtpServer.BUSY);
            bind(bound, cfg, "pop3", TlsMode.STARTTLS, tls, limiter, pop3, Pop3Server.BUSY);
            bind(bound, cfg, "pop3s", TlsMode.IMPLICIT, tls, limiter, pop3, Pop3Server.BUSY);
            var imap = new ImapServer(new ImapEnvironment(cfg.hostname(), store, auth, tls, cfg.limits().messageSize(), clock));
            bind(bound, cfg, "imap", TlsMode.STARTTLS, tls, limiter, imap, ImapServer.BUSY);
            bind(bound, cfg, "imaps", TlsMode.IMPLICIT, tls, limiter, imap, ImapServer.BUSY);
            // RFC 5804: ManageSieve is STARTTLS only (no implicit-TLS port exists)
            var sieve = new ManageSieveServer(new ManageSieveEnvironment(cfg.hostname(), store, auth, tls,
                    sieveChecker(cfg), cfg.sieve(), Duration.ofMinutes(30)));
            bind(bound, cfg, "managesieve", TlsMode.STARTTLS, tls, limiter, sieve, ManageSieveServer.BUSY);
            // Client autoconfiguration (Thunderbird, Autodiscover, Apple): only what is really enabled is listed.
            java.util.Map<String, Integer> ports = new java.util.LinkedHashMap<>();
            for (Bound b : bound) ports.putIfAbsent(b.service(), b.listener().port());
            ClientSettings settings = ClientSettings.fromBound(cfg.hostname(), ports);
            AutoconfigHttp.Acme acmeHttp = AutoconfigHttp.Acme.NONE;
            if (cfg.acme().isPresent()) {
                // ADR 0019: HTTP-01 when port 80 is served, else TLS-ALPN-01 on the HTTPS listener
                var type = cfg.listen("http").isEmpty() ? org.tegami.server.acme.AcmeManager.ChallengeType.TLS_ALPN_01
                        : org.tegami.server.acme.AcmeManager.ChallengeType.HTTP_01;
                acme = new org.tegami.server.acme.AcmeManager(cfg.acme().get(), cfg.dataDir(), tls,
                        acmeNames(cfg, accounts), type, clock);
                var manager = acme;
                acmeHttp = new AutoconfigHttp.Acme(manager::httpToken,
                        type == org.tegami.server.acme.AcmeManager.ChallengeType.TLS_ALPN_01);
            }
            for (var a : cfg.listen("http")) {
                http.add(new AutoconfigHttp(a, Optional.empty(), cfg.hostname(), settings, accounts::isLocalDomain, acmeHttp));
            }
            for (var a : cfg.listen("https")) {
                http.add(new AutoconfigHttp(a, Optional.of(() -> {
                    tls.reloadIfChanged(); // renewed certificates reach HTTPS too
                    return tls.sslContext();
                }), cfg.hostname(), settings, accounts::isLocalDomain, acmeHttp));
            }
            MxResolver dns = new MxResolver(cfg.nameservers());
            var mtaSts = new QueueRunner.MtaSts(new MtaStsResolver(name -> dns.txt(name, "v=STSv1"), dns::addresses,
                    cfg.outboundTrust(), cfg.mtaStsPort(), clock, Optional.of(cfg.dataDir().resolve("mta-sts-cache"))),
                    cfg.outboundTrust());
            queue = new QueueRunner(store, new DkimKeys(cfg.dataDir()), cfg.hostname(), dns, clock,
                    QueueRunner.DEFAULTS.withMxPort(cfg.mxPort())
                            .withRelays(cfg.relay().orElse(null), cfg.relayBySenderDomain())
                            .withMtaSts(mtaSts).withMaxAge(cfg.giveUpAfter())
                            .withConnections(cfg.outboundConnections()))
                    // a shared store's claims need a name per node; one embedded store is one node, named by its hostname
                    .owner(cfg.store() instanceof org.tegami.server.config.StoreSettings.Postgres
                            ? NodeName.of(cfg.hostname(), cfg.dataDir()) : cfg.hostname())
                    .bounceRoute(sender -> bounceRoute(store, srs, sender))
                    .localDeliverer(bounces(store, new InboundPipeline(List.of(userRules)), localDelivery(store, forwarder, clock),
                            cfg.hostname(), clock))
                    .tlsReports(cfg.tlsReports() ? new org.tegami.queue.tlsrpt.TlsReporter(store,
                            name -> dns.txt(name, "v=TLSRPTv1"), cfg.hostname(), clock).start() : null)
                    .dane(cfg.dnssecAnchors().map(a -> new org.tegami.queue.dane.Dane(
                            new org.tegami.queue.dane.DnssecResolver(cfg.nameservers(), a, clock))).orElse(null))
                    .start();
            if (acme != null) acme.start(); // listeners are up: the CA can reach the challenges
        } catch (RuntimeException e) {
            if (acme != null) acme.close();
            if (metrics != null) metrics.close();
            if (queue != null) queue.close();
            if (learner != null) learner.close();
            if (dmarcReports != null) dmarcReports.close();
            http.forEach(AutoconfigHttp::close);
            bound.forEach(b -> b.listener().close());
            store.close();
            release(lock);
            throw e;
        }
        TegamiServer server = new TegamiServer(cfg, store, tls, List.copyOf(bound), List.copyOf(http), queue,
                new BlobCollection(store.blobs()), pipeline, learner, dmarcReports, forwarder, metrics);
        server.acme = acme;
        server.dataDirLock = lock;
        try {
            // [log] history_days: log lines about messages kept in the store for `tegami trace`
            if (!cfg.log().history().isZero()) {
                server.traceHistory = org.tegami.server.log.TraceHistory.start(store.traceHistory(), cfg.log().history(), clock);
            }
            server.startFetching(clock);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** How long a POP3 maildrop lease lasts unrenewed on a shared store; tests shorten it. */
    static volatile Duration pop3LeaseTtl = MaildropLocks.TTL;

    /** This process's id among the nodes sharing a store: the host name and a random part (a restart is a new node). */
    private static String nodeId(TegamiConfig cfg) {
        return cfg.hostname() + "-" + Long.toHexString(new java.security.SecureRandom().nextLong());
    }

    /** Forwarding to aliases' remote targets (ADR 0013). */
    public org.tegami.delivery.forward.Forwarder forwarder() {
        return forwarder;
    }

    /** Sieve's redirects and follow-ups for deliveries that do not come over SMTP (bounces, collected mail). */
    private static org.tegami.delivery.LocalDelivery localDelivery(Store store, org.tegami.delivery.forward.Forwarder forwarder,
                                                                   InstantSource clock) {
        var resolver = new RecipientResolver(store.accounts());
        return new org.tegami.delivery.LocalDelivery(store, forwarder, a -> resolver.resolve(a)
                instanceof org.tegami.auth.Recipient.Local l ? l.accounts() : java.util.Set.of(),
                store.accounts()::isLocalDomain, clock);
    }

    /**
     * Bounces the queue makes for local senders pass through the user's rules (Sieve) like every other local delivery;
     * not through authentication or the spam filter: they are our own. Should the user's script refuse one, it is
     * kept in the INBOX all the same (a notice about their own mail is not lost to a filter).
     */
    private static QueueRunner.LocalDeliverer bounces(Store store, InboundPipeline rules, org.tegami.delivery.LocalDelivery local,
                                                      String hostname, InstantSource clock) {
        return (blob, size, account) -> {
            var m = new org.tegami.delivery.InboundMessage(java.net.InetAddress.getLoopbackAddress(), hostname, "",
                    List.of(account), true, Optional.of(account), blob, size, new org.tegami.delivery.InboundMessage.BlobBytes() {
                        @Override
                        public byte[] head(int max) throws java.io.IOException {
                            try (var in = store.blobs().open(blob)) {
                                return in.readNBytes(max);
                            }
                        }

                        @Override
                        public java.io.InputStream open() throws java.io.IOException {
                            return store.blobs().open(blob);
                        }
                    });
            var plan = local.plan(m, rules.run(m), "Return-Path: <>\r\n".length(), a -> { });
            List<org.tegami.store.DeliveryRequest.Recipient> rcpts = new ArrayList<>(plan.recipients());
            if (!plan.refused().isEmpty()) rcpts.add(org.tegami.store.DeliveryRequest.Recipient.inbox(account));
            store.mail().deliver(new org.tegami.store.DeliveryRequest(blob, size, clock.instant(), rcpts, plan.outbounds()));
            local.followUp(plan.followups());
        };
    }

    /** A bounce to one of our SRS addresses goes to the address it decodes to; one that no longer checks, nowhere. */
    private static Optional<String> bounceRoute(Store store, org.tegami.mailauth.srs.Srs srs, String sender) {
        Optional<org.tegami.mime.EmailAddress> a = org.tegami.mime.EmailAddress.parse(sender);
        if (a.isEmpty() || !store.accounts().isLocalDomain(a.get().domain())) return Optional.of(sender);
        return switch (srs.reverse(a.get().localPart())) {
            case org.tegami.mailauth.srs.Srs.Reversed.NotSrs n -> Optional.of(sender);
            case org.tegami.mailauth.srs.Srs.Reversed.Valid v -> Optional.of(v.address());
            case org.tegami.mailauth.srs.Srs.Reversed.Invalid i -> Optional.empty();
        };
    }

    /**
     * The Sieve script checker used by ManageSieve and {@code tegami sieve put}: the one place to plug in the Sieve
     * compiler (provisional until then).
     */
    public static org.tegami.managesieve.server.ScriptChecker sieveChecker(TegamiConfig cfg) {
        return new SieveChecker(cfg.sieve());
    }

    /** ADR 0014: collecting mail from users' other accounts, through the same pipeline as mail from port 25. */
    private void startFetching(InstantSource clock) {
        org.tegami.fetch.CredentialCipher cipher;
        try {
            cipher = org.tegami.fetch.CredentialCipher.open(config.dataDir());
        } catch (java.io.IOException e) {
            throw new org.tegami.core.TegamiException("cannot open the fetch key in " + config.dataDir() + ": " + e.getMessage());
        }
        fetcher = new org.tegami.fetch.Fetcher(store, pipeline, localDelivery(store, forwarder, clock), cipher,
                config.outboundTrust(), config.hostname(),
                config.limits().messageSize(), config.fetch().interval(), clock);
        if (config.fetch().enabled()) {
            fetchScheduler = new org.tegami.fetch.FetchScheduler(store, fetcher, config.fetch(), clock).start();
        }
    }

    /** Polls fetch sources on demand (tests, and what the scheduler calls). */
    public org.tegami.fetch.Fetcher fetcher() {
        return fetcher;
    }

    private static void bind(List<Bound> out, TegamiConfig cfg, String service, TlsMode mode, TlsContext tls,
                             ConnectionLimiter limiter, ConnectionHandler handler, String busy) {
        for (InetSocketAddress a : cfg.listen(service)) {
            out.add(new Bound(service, Listener.start(service, a, mode, tls, limiter, handler, busy)));
        }
    }

    public List<Bound> listeners() {
        return listeners;
    }

    /** The autoconfig HTTP(S) listeners. */
    public List<AutoconfigHttp> http() {
        return http;
    }

    /** The Prometheus listeners of {@code [listen] metrics} (none when metrics are off). */
    public List<org.tegami.server.metrics.MetricsHttp> metricsHttp() {
        return metrics.http();
    }

    /** The port of the first listener of {@code service} (useful with port 0 in tests). */
    public int port(String service) {
        return listeners.stream().filter(b -> b.service().equals(service)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no listener for " + service)).listener().port();
    }

    public Store store() {
        return store;
    }

    public TlsContext tls() {
        return tls;
    }

    public TegamiConfig config() {
        return config;
    }

    /** The inbound pipeline every local delivery passes through. */
    public InboundPipeline pipeline() {
        return pipeline;
    }

    /** The ACME client keeping the certificate, when {@code [tls] acme} is set. */
    public Optional<org.tegami.server.acme.AcmeManager> acme() {
        return Optional.ofNullable(acme);
    }

    /** The certificate ACME stored earlier, or self-signed until the first one is obtained (or when it is unusable). */
    private static TlsContext acmeOrSelfSigned(TegamiConfig cfg, InstantSource clock) {
        var chain = org.tegami.server.acme.AcmeManager.chainFile(cfg.dataDir());
        var key = org.tegami.server.acme.AcmeManager.keyFile(cfg.dataDir());
        if (java.nio.file.Files.exists(chain) && java.nio.file.Files.exists(key)) {
            try {
                return TlsContext.fromPem(chain, key, clock);
            } catch (RuntimeException e) {
                System.getLogger(TegamiServer.class.getName()).log(System.Logger.Level.WARNING,
                        "ACME certificate in " + chain.getParent() + " unusable (" + e.getMessage()
                                + "): serving a self-signed one until a new certificate is obtained");
            }
        }
        return TlsContext.selfSigned(cfg.dataDir(), cfg.hostname(), clock);
    }

    /**
     * The names the ACME certificate covers: the hostname, and with an HTTPS listener the {@code mta-sts.} and
     * {@code autoconfig.} names of hosted domains that resolve in DNS (a name the CA cannot find would fail the
     * whole order).
     */
    private static java.util.function.Supplier<List<String>> acmeNames(TegamiConfig cfg, org.tegami.store.AccountStore accounts) {
        MxResolver dns = new MxResolver(cfg.nameservers());
        return () -> {
            List<String> names = new ArrayList<>();
            names.add(cfg.hostname().toLowerCase(java.util.Locale.ROOT));
            if (!cfg.listen("https").isEmpty()) {
                for (String d : accounts.domains()) {
                    for (String n : List.of("mta-sts." + d, "autoconfig." + d)) {
                        if (!names.contains(n) && !dns.addresses(n).isEmpty()) names.add(n);
                    }
                }
            }
            return List.copyOf(names);
        };
    }

    @Override
    public void close() {
        if (acme != null) acme.close();
        if (fetchScheduler != null) fetchScheduler.close();
        listeners.forEach(b -> b.listener().close());
        metrics.close();
        http.forEach(AutoconfigHttp::close);
        queue.close();
        learner.close();
        if (dmarcReports != null) dmarcReports.close(); // saves the counts held in memory
        collection.close();
        if (traceHistory != null) traceHistory.close(); // saves the lines still waiting, the queue's last ones too
        store.close();
        if (dataDirLock != null) release(dataDirLock);
    }

    /** Releases the data directory's lock or the migration lock (neither throws). */
    private static void release(AutoCloseable lock) {
        try {
            lock.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
