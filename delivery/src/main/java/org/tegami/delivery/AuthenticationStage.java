package org.tegami.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.tegami.core.metrics.Metrics;
import org.tegami.mailauth.AuthResults;
import org.tegami.mailauth.AuthenticationResult;
import org.tegami.mailauth.SenderAuthenticator;
import org.tegami.mailauth.arc.ArcResult;
import org.tegami.mailauth.arc.ArcVerdict;
import org.tegami.mailauth.dkim.DkimVerdict;
import org.tegami.mailauth.dmarc.DmarcPolicy;
import org.tegami.mailauth.dmarc.DmarcResult;
import org.tegami.store.AccountId;
import org.tegami.store.DeliveryRequest;

/**
 * Sender authentication of mail from outside: SPF (RFC 7208), DKIM (RFC 6376), ARC (RFC 8617) and DMARC
 * (RFC 7489), once per message, by {@code mailauth}'s {@link SenderAuthenticator}. Every recipient's copy gets the
 * {@code Authentication-Results} field (RFC 8601) at its top, and the sender domain's DMARC policy is applied:
 * {@code reject} refuses the message with 550 5.7.1 (nothing is stored), {@code quarantine} files it in the
 * recipient's Junk, {@code none} leaves it where it was going. The results are left for the classifier as tokens
 * ({@link #tokens}).
 *
 * <p>A message that failed DMARC but comes through a forwarder in {@link InboundSettings#trustedArcSealers()}
 * whose ARC chain validates, and whose first hop recorded {@code dmarc=pass}, is judged by that original result
 * (RFC 8617 §7.2: what to trust is the receiver's choice; a sealer nobody listed vouches for nothing).
 *
 * <p>Mail a logged-in user submitted to a local user is not checked: the server knows who sent it.
 */
public final class AuthenticationStage implements Stage {
    private static final Logger LOG = System.getLogger(AuthenticationStage.class.getName());
    /** The memo key under which the authentication results, as classifier tokens, are left for later stages. */
    public static final Object TOKENS = new Object();
    private static final Object RESULT = new Object();
    private static final Object REPORTED = new Object();

    private final SenderAuthenticator authenticator;
    private final InboundSettings settings;
    private final org.tegami.delivery.report.DmarcReporter reporter;

    /** A stage that checks nothing (verification off, or tests of later stages). */
    public AuthenticationStage() {
        this(null, InboundSettings.OFF);
    }

    public AuthenticationStage(SenderAuthenticator authenticator, InboundSettings settings) {
        this(authenticator, settings, null);
    }

    /** @param reporter counts each message for DMARC aggregate reports, or null for none */
    public AuthenticationStage(SenderAuthenticator authenticator, InboundSettings settings,
                               org.tegami.delivery.report.DmarcReporter reporter) {
        this.authenticator = authenticator;
        this.settings = settings;
        this.reporter = reporter;
    }

    @Override
    public String name() {
        return authenticator == null || !settings.verify() ? "authentication (off)" : "authentication (SPF, DKIM, DMARC, ARC)";
    }

    @Override
    public Outcome apply(InboundMessage message, AccountId recipient, Outcome.Deliver sofar) {
        if (authenticator == null || !settings.verify() || message.submitter().isPresent()) return sofar;
        Optional<AuthenticationResult> found = message.memo().get(RESULT, () -> authenticate(message));
        if (found.isEmpty()) return sofar; // unreadable: logged, delivered unjudged (no header claims anything)
        AuthenticationResult r = found.get();
        // not inside the computation above: a ConcurrentHashMap may not be changed from its own computeIfAbsent
        message.memo().get(TOKENS, () -> tokensOf(r));
        String header = r.authenticationResults();
        Outcome.Deliver d = sofar.withHeader(header.endsWith("\r\n") ? header.substring(0, header.length() - 2) : header);
        DmarcPolicy disposition = effective(r);
        if (reporter != null) message.memo().get(REPORTED, () -> report(message, r, disposition));
        Optional<Outcome.Refuse> refusal = refusal(r);
        if (refusal.isPresent()) return refusal.get();
        if (disposition == DmarcPolicy.QUARANTINE || disposition == DmarcPolicy.REJECT) {
            return d.withTarget(DeliveryRequest.Target.JUNK); // RFC 7489 §6.3 p=quarantine: treat as suspicious
        }
        return d;
    }

    /** Counts the message for the policy domain's aggregate report: what we did, and why if not what it asked. */
    private Boolean report(InboundMessage message, AuthenticationResult r, DmarcPolicy effective) {
        DmarcPolicy applied = effective;
        Optional<String> override = Optional.empty();
        if (effective != r.disposition()) override = Optional.of("trusted_forwarder"); // RFC 7489 Appendix C
        if (effective == DmarcPolicy.REJECT && !settings.dmarcReject()) {
            applied = DmarcPolicy.QUARANTINE;
            override = Optional.of("local_policy");
        }
        reporter.record(r, message.clientIp(), message.reversePath(), applied, override);
        return Boolean.TRUE;
    }

    /**
     * The authentication results of a message from outside, computed once per message (shared with {@link #apply});
     * empty when verification is off, the message was submitted by a logged-in user, or it could not be read. The
     * forwarder reads them for the ARC-Authentication-Results of the copies it sends on.
     */
    public Optional<AuthenticationResult> result(InboundMessage message) {
        if (authenticator == null || !settings.verify() || message.submitter().isPresent()) return Optional.empty();
        return message.memo().get(RESULT, () -> authenticate(message));
    }

    /** The refusal DMARC asks for (p=reject, honoured), if any: local copies and forwarded ones are refused alike. */
    public Optional<Outcome.Refuse> refusal(AuthenticationResult r) {
        if (effective(r) != DmarcPolicy.REJECT || !settings.dmarcReject()) return Optional.empty();
        // RFC 7489 §6.6.4 / §10.3: reject during the SMTP transaction, with a reply that says why
        return Optional.of(new Outcome.Refuse(550, "5.7.1", r.dmarc().fromDomain().isEmpty()
                ? "Message refused: it must have exactly one readable From field (RFC 5322 section 3.6)"
                : "Message refused: " + r.dmarc().fromDomain() + " asks receivers to reject mail that fails its DMARC check"));
    }

    /** The DMARC disposition after a trusted forwarder's ARC chain had its say. */
    private DmarcPolicy effective(AuthenticationResult r) {
        DmarcPolicy p = r.disposition();
        if (p == DmarcPolicy.NONE || settings.trustedArcSealers().isEmpty()) return p;
        ArcVerdict arc = r.arc();
        if (arc.result() != ArcResult.PASS || arc.hops().isEmpty()) return p;
        ArcVerdict.Hop latest = arc.latest().orElseThrow();
        if (!settings.trustedArcSealers().contains(latest.sealer().toLowerCase(Locale.ROOT))) return p;
        ArcVerdict.Hop first = arc.hops().stream().min(java.util.Comparator.comparingInt(ArcVerdict.Hop::instance)).orElseThrow();
        try {
            AuthResults.Parsed original = AuthResults.parse(first.authResults());
            boolean passed = original.results().stream().anyMatch(x -> x.toLowerCase(Locale.ROOT).startsWith("dmarc=pass"));
            return passed ? DmarcPolicy.NONE : p;
        } catch (IllegalArgumentException e) {
            return p;
        }
    }

    private Optional<AuthenticationResult> authenticate(InboundMessage message) {
        try (InputStream in = message.bytes().open()) {
            // DNS lookups follow, up to their timeouts: no database connection waits idle for them
            org.tegami.store.ReadGroup.pause();
            AuthenticationResult r = authenticator.authenticate(message.clientIp(), message.helo(), message.reversePath(), in);
            countVerdicts(r);
            return Optional.of(r);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "sender authentication could not read message " + message.blob() + ": " + e.getMessage());
            return Optional.empty();
        } catch (UncheckedIOException e) {
            LOG.log(Level.WARNING, "sender authentication failed for " + message.blob() + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    /** One count per check of a message (each DKIM signature counts; no signature counts as dkim none). */
    private static void countVerdicts(AuthenticationResult r) {
        if (!Metrics.enabled()) return;
        Metrics.inboundVerdict("spf", r.spf().result().keyword());
        if (r.dkim().isEmpty()) Metrics.inboundVerdict("dkim", "none");
        for (DkimVerdict v : r.dkim()) Metrics.inboundVerdict("dkim", v.result().keyword());
        Metrics.inboundVerdict("dmarc", r.dmarc().result().keyword());
    }

    /** The results as classifier tokens: {@code auth:spf=pass}, {@code auth:dkim=fail}, {@code auth:dmarc=none}. */
    private static List<String> tokensOf(AuthenticationResult r) {
        List<String> t = new ArrayList<>();
        t.add("auth:spf=" + r.spf().result().keyword());
        r.heloSpf().ifPresent(h -> t.add("auth:spf-helo=" + h.result().keyword()));
        if (r.dkim().isEmpty()) t.add("auth:dkim=none");
        for (DkimVerdict v : r.dkim()) t.add("auth:dkim=" + v.result().keyword());
        t.add("auth:dmarc=" + r.dmarc().result().keyword());
        if (r.dmarc().result() == DmarcResult.PASS) t.add("auth:dmarc-pass:" + r.dmarc().fromDomain());
        t.add("auth:arc=" + r.arc().result().keyword());
        return List.copyOf(t);
    }

    /** For the startup summary. */
    public List<String> describe() {
        if (authenticator == null || !settings.verify()) return List.of("off: mail from outside is stored unjudged ([inbound] verify)");
        List<String> out = new ArrayList<>(List.of("SPF, DKIM, ARC, DMARC checked; DMARC reject "
                + (settings.dmarcReject() ? "refused (550 5.7.1)" : "to Junk")
                + ", quarantine to Junk" + (settings.trustedArcSealers().isEmpty() ? ""
                : "; ARC trusted from " + String.join(", ", settings.trustedArcSealers()))));
        out.add(reporter == null ? "DMARC aggregate reports: not sent ([inbound] dmarc_reports)" : "DMARC " + reporter.describe().getFirst());
        return out;
    }

    /**
     * The classifier's tokens for the authentication results (such as {@code auth:spf=pass}, {@code auth:dkim=fail});
     * none when the stage checked nothing.
     */
    public static List<String> tokens(InboundMessage message) {
        return message.memo().<List<String>>peek(TOKENS).orElse(List.of());
    }
}
