package org.tegami.mailauth;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.tegami.mailauth.arc.ArcVerdict;
import org.tegami.mailauth.arc.ArcVerifier;
import org.tegami.mailauth.dkim.BodyHasher;
import org.tegami.mailauth.dkim.DkimVerdict;
import org.tegami.mailauth.dkim.DkimVerifier;
import org.tegami.mailauth.dmarc.DmarcEvaluator;
import org.tegami.mailauth.dmarc.DmarcVerdict;
import org.tegami.mailauth.dns.CachingDns;
import org.tegami.mailauth.dns.Dns;
import org.tegami.mailauth.spf.SpfEvaluator;
import org.tegami.mailauth.spf.SpfResult;
import org.tegami.mailauth.spf.SpfVerdict;

/**
 * Sender authentication of one inbound message for the delivery pipeline: SPF (RFC 7208), DKIM (RFC 6376),
 * ARC (RFC 8617) and DMARC (RFC 7489), and the Authentication-Results field (RFC 8601) to add. The message is
 * read once, as a stream; DNS waits are bounded in total by the DNS budget, after which lookups answer
 * temperror, so a slow DNS cannot hold an SMTP session for minutes.
 *
 * <p>Concurrency: safe for concurrent use (one call per message, each on its own virtual thread); the DNS
 * cache is shared.
 */
public final class SenderAuthenticator {
    /** Default total DNS time per message (RFC 7208 §4.6.4 asks to allow SPF at least 20 s). */
    public static final Duration DNS_BUDGET = Duration.ofSeconds(20);

    private final Dns dns;
    private final String authservId;
    private final InstantSource clock;
    private final RandomGenerator random;
    private final Duration dnsBudget;

    /**
     * @param authservId our host name for Authentication-Results (RFC 8601 §2.5)
     * @param random     for DMARC pct= sampling
     */
    public SenderAuthenticator(Dns dns, String authservId, InstantSource clock, RandomGenerator random, Duration dnsBudget) {
        this.dns = dns;
        this.authservId = authservId;
        this.clock = clock;
        this.random = random;
        this.dnsBudget = dnsBudget;
        new AuthResults.Builder(authservId); // checks the id now rather than on the first message
    }

    /** With a caching resolver over {@code [dns] nameservers}, the system clock and the default budget. */
    public SenderAuthenticator(List<InetSocketAddress> nameservers, String authservId) {
        this(new CachingDns(nameservers), authservId, InstantSource.system(), RandomGenerator.getDefault(), DNS_BUDGET);
    }

    /**
     * Authenticates a message.
     *
     * @param client   the SMTP client's address
     * @param helo     the HELO/EHLO name
     * @param mailFrom the MAIL FROM address without angle brackets, empty for the null reverse-path
     * @param message  the message as received (CRLF line ends, dot-unstuffed), read to its end
     * @throws IOException when reading fails or the header section exceeds {@link HeaderSection#MAX_BYTES}
     */
    public AuthenticationResult authenticate(InetAddress client, String helo, String mailFrom, InputStream message) throws IOException {
        Dns d = dns.withBudget(dnsBudget);
        HeaderSection headers = HeaderSection.read(message);
        DkimVerifier.Job dkimJob = new DkimVerifier(d, clock).start(headers);
        ArcVerifier.Job arcJob = new ArcVerifier(d, clock).start(headers);
        List<BodyHasher> hashers = new ArrayList<>(dkimJob.hashers());
        hashers.addAll(arcJob.hashers());
        DkimVerifier.feed(message, hashers);

        boolean nullSender = mailFrom == null || mailFrom.isEmpty();
        SpfVerdict spf = new SpfEvaluator(d, authservId, clock).checkMailFrom(client, mailFrom, helo);
        // RFC 7208 §2.3: check the HELO identity as well. It does not take part in DMARC (RFC 7489 §4.1 uses it only
        // for the null sender, done above), but a HELO that fails its own domain's SPF is reported and weighs with
        // the classifier. An address literal or a bare word has no SPF record to check.
        Optional<SpfVerdict> heloSpf = nullSender || !checkableHelo(helo) ? Optional.empty()
                : Optional.of(new SpfEvaluator(d, authservId, clock).checkHelo(client, helo));
        List<DkimVerdict> dkim = dkimJob.finish();
        ArcVerdict arc = arcJob.finish();
        DmarcVerdict dmarc = new DmarcEvaluator(d, random).evaluate(headers, spf, dkim);

        AuthResults.Builder ar = new AuthResults.Builder(authservId);
        ar.add("spf", spf.result().keyword(), nullSender ? "smtp.helo" : "smtp.mailfrom", nullSender ? helo : spf.sender());
        // the HELO result only where the HELO name publishes SPF: "spf=none smtp.helo" on most mail says nothing
        heloSpf.filter(h -> h.result() != SpfResult.NONE).ifPresent(h -> ar.add("spf", h.result().keyword(), "smtp.helo", helo));
        if (dkim.isEmpty()) ar.add("dkim", "none");
        for (DkimVerdict v : dkim) {
            ar.add("dkim", v.result().keyword(), "header.d", v.domain(), "header.s", v.selector(), "header.b", v.headerB());
        }
        ar.add("dmarc", dmarc.result().keyword(), "header.from", dmarc.fromDomain());
        // RFC 8617 §10.1: arc with header.oldest-pass and smtp.remote-ip
        ar.add("arc", arc.result().keyword(), "header.oldest-pass", arc.oldestPass() > 0 ? Integer.toString(arc.oldestPass()) : null,
                "smtp.remote-ip", client.getHostAddress());
        return new AuthenticationResult(spf, heloSpf, dkim, dmarc, arc, headers, ar.build());
    }

    /** A HELO name SPF can check: a domain with at least one dot, not an address literal (RFC 5321 §4.1.3). */
    static boolean checkableHelo(String helo) {
        if (helo == null || helo.isEmpty() || helo.startsWith("[") || helo.length() > 253) return false;
        int dot = helo.indexOf('.');
        return dot > 0 && dot < helo.length() - 1 && helo.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '-' || c == '.'));
    }
}
