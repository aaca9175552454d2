package org.tegami.delivery.forward;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import org.tegami.delivery.AuthenticationStage;
import org.tegami.delivery.InboundMessage;
import org.tegami.delivery.Outcome;
import org.tegami.mailauth.AuthenticationResult;
import org.tegami.mailauth.HeaderSection;
import org.tegami.mailauth.arc.ArcResult;
import org.tegami.mailauth.arc.ArcSealer;
import org.tegami.mailauth.arc.ArcVerdict;
import org.tegami.mailauth.dkim.DkimKey;
import org.tegami.mailauth.dkim.DkimKeys;
import org.tegami.mailauth.srs.Srs;
import org.tegami.mime.EmailAddress;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.HeaderPrefix;

/**
 * Turns an accepted message into the queue entry that forwards it from one of our addresses (an alias naming remote
 * targets; later also Sieve {@code redirect}) to remote recipients, to be committed in the same
 * {@link DeliveryRequest} as the local copies (ADR 0013):
 * <ul>
 *   <li>the reverse-path is rewritten with SRS in the forwarding address's domain, so the receiver's SPF check
 *       passes for us, and bounces come back through us to the original sender; {@code <>} stays {@code <>};</li>
 *   <li>the copy gets {@code Delivered-To: <forwarding address>} (as Postfix adds it) and, when the domain has a
 *       DKIM key, an ARC set (RFC 8617) sealing the inbound authentication results, both as the queue entry's own
 *       header prefix: the local copies and the shared blob stay as they are, and the original DKIM signatures
 *       stay valid (only fields in front are added). The copy is never DKIM-signed as its From: domain, which is
 *       not ours;</li>
 *   <li>a message that already carries our {@code Delivered-To:} for this address, or more {@code Received:}
 *       fields than the hop limit (RFC 5321 §6.3), is a loop: it is refused for this recipient with 5.4.6;</li>
 *   <li>each alias sends at most {@code max_per_hour} copies in any hour; later ones are queued to go later.</li>
 * </ul>
 * Thread-safe.
 */
public final class Forwarder {
    private static final Logger LOG = System.getLogger(Forwarder.class.getName());

    private final Srs srs;
    private final DkimKeys dkim;
    private final String hostname;
    private final AuthenticationStage authentication;
    private final ForwardRate rate;
    private final InstantSource clock;
    private final ForwardingSettings settings;

    /**
     * @param dkim           the domain keys the ARC seal is made with (none: copies go unsealed)
     * @param hostname       our authserv-id, for the ARC-Authentication-Results when nothing was verified
     * @param authentication the pipeline's authentication stage, whose per-message results the seal records
     */
    public Forwarder(Srs srs, DkimKeys dkim, String hostname, AuthenticationStage authentication, InstantSource clock,
                     ForwardingSettings settings) {
        this(srs, dkim, hostname, authentication, clock, settings, new ForwardRate(settings.maxPerHour()));
    }

    /** @param rate the per-alias rate ({@link ForwardRate#shared} when several nodes share the store) */
    public Forwarder(Srs srs, DkimKeys dkim, String hostname, AuthenticationStage authentication, InstantSource clock,
                     ForwardingSettings settings, ForwardRate rate) {
        this.srs = srs;
        this.dkim = dkim;
        this.hostname = hostname;
        this.authentication = authentication;
        this.rate = rate;
        this.clock = clock;
        this.settings = settings;
    }

    public Srs srs() {
        return srs;
    }

    public ForwardingSettings settings() {
        return settings;
    }

    /** What becomes of one forwarding address's copy. */
    public sealed interface Result {
        /** Queue this entry (in the same delivery as the local copies). */
        record Queue(DeliveryRequest.Outbound outbound) implements Result {}

        /** Do not forward: a loop, or mail the sender's domain asks us to reject. */
        record Refused(Outcome.Refuse refuse) implements Result {}
    }

    /**
     * What a forwarded copy sends after its ARC set and {@code Delivered-To:}: {@code fields} (complete header fields
     * without their CRLF, each one a header prefix may hold), then a blob from {@code skipBytes}: the message's shared
     * blob, or a blob of its own (a Sieve redirect of a header the user's script rewrote, RFC 5293 §7).
     *
     * @param own  the blob of its own, committed, and how to read it; empty for the shared blob
     */
    public record Sent(Optional<DeliveryRequest.Own> own, Source source, long skipBytes, List<String> fields) {
        public Sent {
            fields = List.copyOf(fields);
        }

        /** The shared blob after {@code skipBytes}, {@code fields} in front. */
        public static Sent shared(long skipBytes, List<String> fields) {
            return new Sent(Optional.empty(), null, skipBytes, fields);
        }

        /** A blob of its own, whole. */
        public static Sent own(DeliveryRequest.Own own, Source source) {
            return new Sent(Optional.of(own), source, 0, List.of());
        }
    }

    /** Opens a committed blob. */
    @FunctionalInterface
    public interface Source {
        InputStream open() throws IOException;
    }

    /**
     * The copy of {@code message} that {@code address} forwards to {@code targets}.
     *
     * @param message   the accepted message; its reverse-path is the original sender
     * @param address   the address of ours the message came to (the alias, or the Sieve user)
     * @param rateKey   what the rate is counted for (the alias, or the account)
     * @param targets   remote forward-paths
     * @param skipBytes bytes at the start of the blob not sent on (our {@code Return-Path:} line)
     */
    public Result forward(InboundMessage message, EmailAddress address, String rateKey, List<String> targets, long skipBytes) {
        return forward(message, address, rateKey, targets, Sent.shared(skipBytes, List.of()));
    }

    /**
     * The copy of {@code message} that {@code address} forwards to {@code targets}, sending {@code sent}: the ARC set
     * is computed over exactly the bytes the entry sends after it.
     */
    public Result forward(InboundMessage message, EmailAddress address, String rateKey, List<String> targets, Sent sent) {
        Optional<String> loop = loop(message.header(), address);
        if (loop.isPresent()) {
            LOG.log(Level.INFO, "not forwarding blob " + message.blob() + " for " + address + ": " + loop.get());
            return new Result.Refused(new Outcome.Refuse(554, "5.4.6", "Mail forwarding loop for " + address.key()));
        }
        Optional<AuthenticationResult> auth = authentication.result(message);
        if (auth.isPresent()) {
            Optional<Outcome.Refuse> refuse = authentication.refusal(auth.get());
            if (refuse.isPresent()) return new Result.Refused(refuse.get());
        }
        StringBuilder added = new StringBuilder();
        for (String f : sent.fields()) added.append(f).append("\r\n");
        String deliveredTo = "Delivered-To: " + address.key() + "\r\n";
        String seal = seal(message, address.domain(), auth, deliveredTo + added, sent);
        HeaderPrefix prefix;
        try {
            prefix = HeaderPrefix.of((seal + deliveredTo + added).getBytes(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            LOG.log(Level.WARNING, "ARC set for blob " + message.blob() + " not usable, forwarding unsealed: " + e.getMessage());
            try {
                prefix = HeaderPrefix.of((deliveredTo + added).getBytes(StandardCharsets.UTF_8));
            } catch (IllegalArgumentException again) {
                LOG.log(Level.WARNING, "editheader fields for blob " + message.blob() + " not sent: " + again.getMessage());
                prefix = HeaderPrefix.of(deliveredTo.getBytes(StandardCharsets.UTF_8));
            }
        }
        String sender = srs.forward(message.reversePath(), address.domain());
        Instant now = clock.instant();
        Instant at = rate.schedule(rateKey, now);
        if (at.isAfter(now)) {
            LOG.log(Level.INFO, "forwarding for " + rateKey + " above " + settings.maxPerHour() + " per hour: blob "
                    + message.blob() + " queued for " + at);
        }
        return new Result.Queue(new DeliveryRequest.Outbound(sender, targets, sent.skipBytes(), Optional.empty(), "", prefix,
                at.isAfter(now) ? Optional.of(at) : Optional.empty(), org.tegami.store.EnvelopeParams.NONE, sent.own()));
    }

    /** Why the message must not be forwarded again from {@code address}, if it must not. */
    Optional<String> loop(byte[] header, EmailAddress address) {
        HeaderSection h;
        try {
            h = HeaderSection.read(new ByteArrayInputStream(header));
        } catch (IOException e) {
            return Optional.of("unreadable header section (" + e.getMessage() + ")");
        }
        int received = h.all("received").size();
        // RFC 5321 §6.3: a hop count above a limit (at least 100 suggested; Postfix uses 50) means a loop
        if (received > settings.maxReceived()) return Optional.of(received + " Received fields");
        for (String f : h.all("delivered-to")) {
            String v = HeaderSection.value(f).strip();
            if (v.startsWith("<") && v.endsWith(">")) v = v.substring(1, v.length() - 1).strip();
            if (v.equalsIgnoreCase(address.key())) return Optional.of("already delivered to it");
        }
        return Optional.empty();
    }

    /**
     * An ARC set over the copy as it will be sent ({@code Delivered-To:} and any fields added in front, then the blob
     * sent from where it is sent), made with the domain's RSA key (RFC 8617 §4.1.3 allows rsa-sha256 only); empty
     * without a key or on failure, and the copy goes unsealed.
     */
    private String seal(InboundMessage message, String domain, Optional<AuthenticationResult> auth, String deliveredTo,
                        Sent sent) {
        Optional<DkimKey> key = dkim == null ? Optional.empty() : dkim.forDomain(domain).stream()
                .filter(k -> k.algorithm() == DkimKey.Algorithm.RSA).findFirst();
        if (key.isEmpty()) return "";
        String results = auth.map(r -> resultsOf(r.authenticationResults())).orElse(hostname + "; none");
        ArcVerdict chain = auth.map(AuthenticationResult::arc)
                .orElse(new ArcVerdict(ArcResult.NONE, 0, 0, List.of(), "not verified"));
        try (InputStream blob = sent.own().isPresent() ? sent.source().open() : message.bytes().open()) {
            blob.skipNBytes(sent.skipBytes());
            InputStream copy = new SequenceInputStream(new ByteArrayInputStream(deliveredTo.getBytes(StandardCharsets.UTF_8)), blob);
            return ArcSealer.seal(key.get(), results, chain, copy, clock.instant());
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot ARC-seal blob " + message.blob() + " for " + domain + ": " + e.getMessage());
            return "";
        }
    }

    /**
     * The value of our Authentication-Results field, {@code "host;\r\n\tspf=pass ..."}: its folding kept, so the
     * ARC-Authentication-Results line stays within RFC 5322's 998 characters however many results it carries.
     */
    static String resultsOf(String field) {
        String v = field;
        int colon = v.indexOf(':');
        if (colon >= 0 && v.substring(0, colon).strip().equalsIgnoreCase("Authentication-Results")) v = v.substring(colon + 1);
        v = v.strip(); // leading space, the final CRLF
        return v.replaceAll("\r\n(?![ \t])", "\r\n\t"); // every line break is a fold
    }

    /** For the startup summary. */
    public String describe() {
        return "SRS, ARC-sealed with the alias domain's DKIM key, at most " + settings.maxPerHour()
                + " copies per alias and hour (more are delayed), loops stop at Delivered-To or "
                + settings.maxReceived() + " Received fields";
    }
}
