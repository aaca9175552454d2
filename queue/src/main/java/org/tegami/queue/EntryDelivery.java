package org.tegami.queue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.tegami.core.log.LogContext;
import org.tegami.core.log.LoggedMessageId;
import org.tegami.mailauth.dkim.DkimKey;
import org.tegami.mailauth.dkim.DkimKeys;
import org.tegami.mailauth.dkim.DkimSigner;
import org.tegami.queue.dane.Dane;
import org.tegami.queue.mtasts.MtaStsPolicy;
import org.tegami.store.QueueEntry;
import org.tegami.store.Store;

/**
 * One attempt of one claimed entry: its remaining recipients grouped by domain, the message DKIM-signed once, each
 * domain sent through its relay or to its MX hosts in preference order (the TLS each host gets from
 * {@link TlsPolicy}, each address tried through {@link HostSender}); the statuses then go to {@link Outcomes}.
 */
final class EntryDelivery {
    /** The queue's log lines keep one logger name (operators filter on it; the trace history shows it). */
    private static final Logger LOG = System.getLogger(QueueRunner.class.getName());

    private final Store store;
    private final DkimKeys dkim;
    private final MxResolver mx;
    private final InstantSource clock;
    private final QueueRunner.Settings settings;
    private final HostSender sender;
    private final TlsPolicy tls;
    private final Outcomes outcomes;

    EntryDelivery(Store store, DkimKeys dkim, MxResolver mx, InstantSource clock, QueueRunner.Settings settings,
                  HostSender sender, TlsPolicy tls, Outcomes outcomes) {
        this.store = store;
        this.dkim = dkim;
        this.mx = mx;
        this.clock = clock;
        this.settings = settings;
        this.sender = sender;
        this.tls = tls;
        this.outcomes = outcomes;
    }

    /** One attempt for every remaining recipient of an entry, grouped by domain; the outcome is recorded. */
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
        outcomes.record(e, result);
    }

    /** The message as sent: the entry's own header lines (a forwarded copy's ARC set), then the blob. */
    static InputStream body(Store store, QueueEntry e) throws IOException {
        InputStream in = store.blobs().open(e.blob());
        in.skipNBytes(e.skipBytes()); // the Return-Path: line is for local delivery only
        return e.prefix().isEmpty() ? in : new java.io.SequenceInputStream(e.prefix().stream(), in);
    }

    private InputStream body(QueueEntry e) throws IOException {
        return body(store, e);
    }

    private static long length(QueueEntry e) {
        return e.size() - e.skipBytes() + e.prefix().length();
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
        QueueRunner.Relay relay = settings.relayFor(e.sender());
        if (relay != null) {
            SmtpClient.Outgoing msg = new SmtpClient.Outgoing(e.sender(), rcpts, length(e) + signature.length,
                    () -> new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(signature), body(e)), eightBit,
                    e.params());
            try {
                for (InetAddress a : InetAddress.getAllByName(relay.host())) {
                    out.putAll(sender.send(relay.host(), new InetSocketAddress(a, relay.port()), msg, relay.security()));
                    if (!out.values().stream().allMatch(s -> s instanceof DeliveryStatus.TempFailed)) break;
                }
            } catch (java.net.UnknownHostException ex) {
                rcpts.forEach(r -> out.put(r, new DeliveryStatus.TempFailed("relay " + relay.host() + " not found")));
            }
            return out;
        }
        return deliverToMx(e, signature, eightBit, domain, rcpts, out);
    }

    private Map<String, DeliveryStatus> deliverToMx(QueueEntry e, byte[] signature, boolean eightBit, String domain,
                                                    List<String> rcpts, Map<String, DeliveryStatus> out) {
        MxResolver.Route route = mx.resolve(domain);
        switch (route) {
            case MxResolver.Route.NoMail n -> rcpts.forEach(r -> out.put(r, new DeliveryStatus.PermFailed("550 5.1.2 " + n.reason(), null)));
            case MxResolver.Route.TryLater t -> rcpts.forEach(r -> out.put(r, new DeliveryStatus.TempFailed(t.reason())));
            case MxResolver.Route.Hosts all -> {
                Optional<MtaStsPolicy> policy = tls.policy(domain, all.hosts());
                Dane.MxSecurity mxSecurity = tls.mxSecurity(domain);
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
                    TlsPolicy.HostSecurity hs = tls.forHost(e.params(), domain, host, mxSecurity, policy);
                    if (hs.security() == null) {
                        skipped.add(hs.skip());
                        tls.report(domain, host.name(), "", hs, hs.skip());
                        continue;
                    }
                    tried = true;
                    for (InetAddress a : host.addresses()) {
                        Map<String, DeliveryStatus> r = sender.send(host.name(), new InetSocketAddress(a, settings.mxPort()), msg, hs.security());
                        // RFC 5321 §5.1: on a temporary failure of the whole transaction, try the next address (a
                        // host that rests or is busy counts as one); with REQUIRETLS a host without a verified
                        // REQUIRETLS path is passed over for the next one too (RFC 8689 §4.2.1)
                        boolean allTemp = r.values().stream().allMatch(s -> s instanceof DeliveryStatus.TempFailed
                                || s instanceof DeliveryStatus.Scheduled || requireTls && TlsPolicy.noRequireTlsPath(s));
                        DeliveryStatus first = r.isEmpty() ? null : r.values().iterator().next();
                        // a host that rests or is busy was not contacted: no TLS outcome to report
                        if (!(first instanceof DeliveryStatus.Scheduled)) {
                            tls.report(domain, host.name(), a.getHostAddress(), hs,
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
                    out.replaceAll((r, st) -> st instanceof DeliveryStatus.TempFailed t && TlsPolicy.tlsFailure(t.reason())
                            ? new DeliveryStatus.PermFailed("550 5.7.30 REQUIRETLS: no verified TLS path to " + domain + ": " + t.reason(), null)
                            : st);
                }
            }
        }
        return out;
    }
}
