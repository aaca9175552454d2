package org.tegami.queue.dane;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.tegami.mailauth.dns.Resolvers;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;
import org.xbill.DNS.dnssec.ValidatingResolver;

/**
 * DNS lookups validated here, not by the resolver we ask (ADR 0016): dnsjava's {@link ValidatingResolver} over the
 * configured name servers, from a trust anchor (the root zone's KSKs unless {@code [dns] trust_anchor} names a file).
 * Each answer is {@link Answer.Secure}, {@link Answer.Insecure}, {@link Answer.Bogus} or {@link Answer.Failed}
 * (RFC 4033 §5).
 */
public final class DnssecResolver {
    /**
     * The root zone's key-signing keys as DS records (IANA root-anchors: KSK-2017, key tag 20326, and KSK-2024,
     * key tag 38696).
     */
    public static final String ROOT_ANCHORS = """
            . IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D
            . IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16
            """;
    /** How long the answer to "can we validate at all?" is kept. */
    static final Duration AVAILABILITY_TTL = Duration.ofMinutes(10);

    /** The outcome of one validated lookup. */
    public sealed interface Answer {
        /** Validated (the records may be empty: a proven NODATA or NXDOMAIN). */
        record Secure(List<Record> records) implements Answer {}

        /** Provably unsigned (below an insecure delegation): the records may be forged. */
        record Insecure(List<Record> records) implements Answer {}

        /** Signed but failing validation: an attack or a broken zone; never used, never treated as insecure. */
        record Bogus(String reason) implements Answer {}

        /** No answer (timeout, SERVFAIL from the server asked). */
        record Failed(String reason) implements Answer {}
    }

    /**
     * dnsjava logs each bogus signature at SEVERE with a stack trace; the reason reaches the queue entry and our own
     * log line instead, so a zone under attack does not flood the log. Held here so the level sticks.
     */
    private static final java.util.logging.Logger VERIFIER_LOG = quiet("org.xbill.DNS.dnssec.DnsSecVerifier");

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger l = java.util.logging.Logger.getLogger(name);
        l.setLevel(java.util.logging.Level.OFF);
        return l;
    }

    private final ValidatingResolver validator;
    private final InstantSource clock;
    private volatile Instant availableChecked = Instant.MIN;
    private volatile boolean available;

    /**
     * @param nameservers the servers to ask (they must return DNSSEC records when asked with DO; any recursive
     *                    resolver does); empty: the system's
     * @param trustAnchors zone-file lines of DS or DNSKEY records, e.g. {@link #ROOT_ANCHORS}
     */
    public DnssecResolver(List<InetSocketAddress> nameservers, String trustAnchors, InstantSource clock) {
        this(nameservers, trustAnchors, clock, Duration.ofSeconds(10));
    }

    /** @param timeout per lookup (tests shorten it) */
    DnssecResolver(List<InetSocketAddress> nameservers, String trustAnchors, InstantSource clock, Duration timeout) {
        this.clock = clock;
        validator = new ValidatingResolver(Resolvers.create(nameservers, timeout));
        validator.setTimeout(timeout);
        try (InputStream in = new ByteArrayInputStream(trustAnchors.getBytes(StandardCharsets.US_ASCII))) {
            validator.loadTrustAnchors(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("invalid DNSSEC trust anchor: " + e.getMessage(), e);
        }
    }

    /**
     * Whether the name servers let us validate: the trust anchor's own zone answers its DNSKEY RRset securely. A
     * path that strips DNSSEC records makes every lookup {@link Answer.Bogus}; then DANE is not applied (and this
     * is logged) rather than every delivery deferred (ADR 0016). Checked again every {@link #AVAILABILITY_TTL}.
     */
    public boolean available() {
        Instant now = clock.instant();
        if (availableChecked.plus(AVAILABILITY_TTL).isAfter(now)) return available;
        boolean ok = false;
        for (Name anchor : anchorNames()) {
            if (lookup(anchor, Type.DNSKEY) instanceof Answer.Secure s && !s.records().isEmpty()) ok = true;
        }
        available = ok;
        availableChecked = now;
        return ok;
    }

    private List<Name> anchorNames() {
        List<Name> out = new ArrayList<>();
        for (var ta : validator.getTrustAnchors().items()) {
            if (!out.contains(ta.getName())) out.add(ta.getName());
        }
        return out;
    }

    /** Answers kept at most (the least recently used go first). */
    static final int CACHE_ENTRIES = 10_000;
    /** Longest a validated answer is kept, whatever its TTL says. */
    static final Duration MAX_TTL = Duration.ofHours(1);
    /** Longest a proven absence is kept (RFC 2308 §5 caps negative caching; we cap lower). */
    static final Duration MAX_NEGATIVE_TTL = Duration.ofMinutes(5);
    /**
     * How long a bogus answer is kept: validating it again at once would give the same result at the same cost
     * (RFC 4035 §4.7 lets a resolver cache it "for a limited time"); short, so a repaired zone is seen soon.
     */
    static final Duration BOGUS_TTL = Duration.ofSeconds(30);

    private record Key(Name name, int type) {}

    private record Cached(Answer answer, Instant until) {}

    private final java.util.Map<Key, Cached> cache = new java.util.LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<Key, Cached> eldest) {
            return size() > CACHE_ENTRIES;
        }
    };

    /**
     * One validated lookup of {@code type} records at {@code name}, answered from the cache while the answer's TTL
     * lasts: every message to a DANE domain would otherwise validate its MX, address and TLSA records again.
     * Lookups that failed (timeouts, SERVFAIL without a validation reason) are never cached.
     */
    public Answer lookup(Name name, int type) {
        Key key = new Key(name, type);
        Instant now = clock.instant();
        synchronized (cache) {
            Cached c = cache.get(key);
            if (c != null && now.isBefore(c.until())) return c.answer();
        }
        Message[] response = new Message[1];
        Answer a = ask(name, type, response);
        Duration keep = switch (a) {
            case Answer.Failed f -> Duration.ZERO;
            case Answer.Bogus b -> BOGUS_TTL;
            case Answer.Secure s -> ttl(s.records(), response[0]);
            case Answer.Insecure i -> ttl(i.records(), response[0]);
        };
        if (keep.isPositive()) {
            synchronized (cache) {
                cache.put(key, new Cached(a, now.plus(keep)));
            }
        }
        return a;
    }

    /** The records' smallest TTL (capped), or for an empty answer the SOA's negative TTL (RFC 2308 §5, capped). */
    private static Duration ttl(List<Record> records, Message response) {
        if (!records.isEmpty()) {
            long min = Long.MAX_VALUE;
            for (Record r : records) min = Math.min(min, r.getTTL());
            return Duration.ofSeconds(Math.min(min, MAX_TTL.toSeconds()));
        }
        if (response != null) {
            for (Record r : response.getSection(Section.AUTHORITY)) {
                if (r instanceof org.xbill.DNS.SOARecord soa) {
                    long neg = Math.min(soa.getTTL(), soa.getMinimum());
                    return Duration.ofSeconds(Math.min(neg, MAX_NEGATIVE_TTL.toSeconds()));
                }
            }
        }
        return Duration.ZERO; // no SOA: nothing says how long the absence holds
    }

    private Answer ask(Name name, int type, Message[] response) {
        Message q = Message.newQuery(Record.newRecord(name, type, DClass.IN));
        Message r;
        try {
            r = validator.send(q);
        } catch (IOException e) {
            return new Answer.Failed("DNS lookup of " + name + " " + Type.string(type) + " failed: " + e.getMessage());
        }
        response[0] = r;
        int rcode = r.getRcode();
        if (rcode == Rcode.SERVFAIL) {
            // The validator answers SERVFAIL for bogus data with its reason (RFC 8914 extended error) attached.
            String why = reason(r);
            return why == null ? new Answer.Failed("DNS lookup of " + name + " " + Type.string(type) + ": SERVFAIL")
                    : new Answer.Bogus(name + " " + Type.string(type) + ": " + why);
        }
        if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
            return new Answer.Failed("DNS lookup of " + name + " " + Type.string(type) + ": " + Rcode.string(rcode));
        }
        List<Record> out = new ArrayList<>();
        for (Record rec : r.getSection(Section.ANSWER)) {
            if (rec.getType() == type && rec.getName().equals(name)) out.add(rec);
        }
        return r.getHeader().getFlag(Flags.AD) ? new Answer.Secure(out) : new Answer.Insecure(out);
    }

    private static String reason(Message r) {
        var opt = r.getOPT();
        if (opt == null) return null;
        for (var o : opt.getOptions()) {
            if (o instanceof org.xbill.DNS.ExtendedErrorCodeOption ede) {
                return ede.getText() != null && !ede.getText().isEmpty() ? ede.getText() : "DNSSEC validation failed (EDE " + ede.getErrorCode() + ")";
            }
        }
        return null;
    }
}
