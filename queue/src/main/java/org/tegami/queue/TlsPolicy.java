package org.tegami.queue;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.tegami.queue.dane.Dane;
import org.tegami.queue.mtasts.MtaStsPolicy;
import org.tegami.queue.tlsrpt.TlsReporter;
import org.tegami.queue.tlsrpt.TlsSession;
import org.tegami.store.EnvelopeParams;

/**
 * Which TLS each MX host gets, or why it is not tried: DANE (RFC 7672), MTA-STS (RFC 8461), REQUIRETLS and
 * {@code TLS-Required: No} (RFC 8689), else opportunistic STARTTLS; and the TLS report (RFC 8460) of each session.
 */
final class TlsPolicy {
    /** The queue's log lines keep one logger name (operators filter on it; the trace history shows it). */
    private static final Logger LOG = System.getLogger(QueueRunner.class.getName());

    /**
     * How to secure the connection to one MX host, or why it is not tried ({@code security} null), and the policy
     * that decided it as TLS reports name it (RFC 8460 §4.4: {@code tlsa}, {@code sts}, {@code no-policy-found}).
     */
    record HostSecurity(SmtpClient.Security security, String skip, String policyType, List<String> policy) {}

    /** RFC 8689 §4.2.2 ({@code TLS-Required: No}): TLS when offered, DANE and MTA-STS not applied. */
    private static final HostSecurity RELAXED = new HostSecurity(SmtpClient.Security.OPPORTUNISTIC, null, "no-policy-found", List.of());

    private final QueueRunner.MtaSts mtaSts;
    private final Dane dane;
    private final TlsReporter tlsReports;

    /** Each of {@code mtaSts}, {@code dane} and {@code tlsReports} is null when off. */
    TlsPolicy(QueueRunner.MtaSts mtaSts, Dane dane, TlsReporter tlsReports) {
        this.mtaSts = mtaSts;
        this.dane = dane;
        this.tlsReports = tlsReports;
    }

    /** The domain's MTA-STS policy (empty when MTA-STS is off or the domain has none). */
    Optional<MtaStsPolicy> policy(String domain, List<MxResolver.Host> hosts) {
        Optional<MtaStsPolicy> policy = mtaSts == null ? Optional.empty() : mtaSts.resolver().policy(domain);
        if (policy.isPresent() && policy.get().mode() == MtaStsPolicy.Mode.TESTING
                && hosts.stream().anyMatch(x -> !policy.get().allows(x.name()))) {
            LOG.log(Level.WARNING, "MTA-STS (testing) for " + domain + ": MX hosts outside the policy");
        }
        return policy;
    }

    /** Whether the domain's MX records were validated by DNSSEC (always insecure when DANE is off). */
    Dane.MxSecurity mxSecurity(String domain) {
        return dane == null ? Dane.MxSecurity.INSECURE : dane.mx(domain);
    }

    /** The security for one MX host of {@code domain}, as the message's TLS parameters ask. */
    HostSecurity forHost(EnvelopeParams params, String domain, MxResolver.Host host, Dane.MxSecurity mxSecurity,
                         Optional<MtaStsPolicy> policy) {
        return params.requireTls() ? requireTlsSecurity(domain, host, mxSecurity, policy)
                : params.tls() == EnvelopeParams.Tls.NOT_REQUIRED ? RELAXED
                : hostSecurity(domain, host, mxSecurity, policy);
    }

    /** A host that refused a REQUIRETLS message because it cannot give it the path §4.2.1 asks for. */
    static boolean noRequireTlsPath(DeliveryStatus s) {
        return s instanceof DeliveryStatus.PermFailed p && p.reason().contains(" 5.7.30 ");
    }

    /** A temporary failure that is about TLS itself (no STARTTLS, handshake or certificate refused). */
    static boolean tlsFailure(String reason) {
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
        List<String> lines = policy.map(TlsPolicy::policyLines).orElse(List.of());
        boolean named = mxSecurity == Dane.MxSecurity.SECURE || policy.map(p -> p.allows(host.name())).orElse(false);
        if (!named) {
            return new HostSecurity(null, "5.7.30 REQUIRETLS: the MX host " + host.name() + " of " + domain
                    + " is not authenticated (MX records not DNSSEC-validated, no MTA-STS policy names it)", type, lines);
        }
        return new HostSecurity(new SmtpClient.Security(pkixTrust(), true, false, null, null), null, type, lines);
    }

    /** The trust for certificates checked against a host name: {@code [outbound]}'s (MTA-STS) or the JDK's. */
    private javax.net.ssl.SSLContext pkixTrust() {
        if (mtaSts != null) return mtaSts.trust();
        try {
            return javax.net.ssl.SSLContext.getDefault();
        } catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * Counts one session for TLS reports (RFC 8460): a success unless {@code failure} (the attempt's temporary
     * failure, or why the host was not tried) is a TLS failure; failures that are not about TLS are not counted.
     */
    void report(String domain, String mx, String ip, HostSecurity hs, String failure) {
        TlsReporter r = tlsReports;
        if (r == null) return;
        Optional<String> type = failure == null ? Optional.of(TlsSession.SUCCESS) : TlsSession.failureType(failure);
        type.ifPresent(t -> r.record(domain, new TlsSession(hs.policyType(), hs.policy(), mx, t, ip)));
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
            return new HostSecurity(new SmtpClient.Security(mtaSts.trust(), true, false, null, null), null, "sts", lines);
        }
        if (policy.isPresent() && policy.get().mode() == MtaStsPolicy.Mode.TESTING) {
            return new HostSecurity(SmtpClient.Security.OPPORTUNISTIC, null, "sts", policyLines(policy.get()));
        }
        return new HostSecurity(SmtpClient.Security.OPPORTUNISTIC, null, "no-policy-found", List.of());
    }
}
