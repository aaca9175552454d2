package org.tegami.testkit;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.Master;
import org.xbill.DNS.NSECRecord;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Type;

/**
 * A DNSSEC-signed zone for tests (RFC 4033–4035): one ECDSA P-256 key (algorithm 13) as KSK and ZSK, SOA, NSEC
 * chain and RRSIGs over every RRset, insecure delegations (NS without DS, proven by the NSEC at the cut). Served by
 * {@link TestDnsServer#addZone}; the key's DNSKEY line ({@link #trustAnchor}) is the validator's trust anchor.
 */
public final class SignedZone {
    private static final long TTL = 300;
    private final Name apex;
    private final KeyPair keys;
    private final DNSKEYRecord dnskey;
    private final List<Record> data = new ArrayList<>();
    private final Set<Name> cuts = new HashSet<>();
    private final Set<String> corrupt = new HashSet<>();
    private Instant inception = Instant.now().minus(Duration.ofDays(1));
    private Instant expiration = Instant.now().plus(Duration.ofDays(7));
    private final Map<Name, NSECRecord> nsec = new TreeMap<>();
    private final List<Record> signed = new ArrayList<>();
    private boolean done;

    public SignedZone(String apex) {
        this.apex = Name.fromConstantString(apex);
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            keys = g.generateKeyPair();
            dnskey = new DNSKEYRecord(this.apex, DClass.IN, TTL, 257, 3, DNSSEC.Algorithm.ECDSAP256SHA256, keys.getPublic());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public Name apex() {
        return apex;
    }

    /** Adds records in zone-file syntax (absolute names), e.g. {@code "mx.example. 300 IN A 127.0.0.1"}. */
    public SignedZone add(String zoneLines) {
        check();
        try {
            Master m = new Master(new ByteArrayInputStream(zoneLines.getBytes(StandardCharsets.US_ASCII)));
            for (Record r; (r = m.nextRecord()) != null; ) data.add(r);
        } catch (IOException e) {
            throw new IllegalArgumentException(zoneLines, e);
        }
        return this;
    }

    /** Delegates {@code child} to an unsigned zone: NS only, so the NSEC at the cut proves there is no DS. */
    public SignedZone delegateInsecure(String child) {
        check();
        Name c = Name.fromConstantString(child);
        cuts.add(c);
        data.add(new NSRecord(c, DClass.IN, TTL, Name.fromConstantString("ns." + child)));
        return this;
    }

    /** Signs the RRset of this name and type with a broken signature (a bogus answer, RFC 4035 §5.5). */
    public SignedZone corrupt(String name, int type) {
        check();
        corrupt.add(Name.fromConstantString(name) + "/" + type);
        return this;
    }

    /** Signatures valid from/until these instants (default: yesterday to a week from now). */
    public SignedZone validity(Instant from, Instant until) {
        check();
        inception = from;
        expiration = until;
        return this;
    }

    /** The key as a trust anchor line (DNSKEY in zone-file syntax). */
    public String trustAnchor() {
        return dnskey.toString();
    }

    /** Whether {@code n} is at or below an insecure delegation of this zone (then it is not signed here). */
    boolean belowCut(Name n, boolean atCutToo) {
        for (Name c : cuts) {
            if (n.subdomain(c) && (atCutToo || !n.equals(c))) return true;
        }
        return false;
    }

    /** Every record to serve: data, DNSKEY, SOA, NS, and their RRSIGs (NSECs are kept apart: {@link #nsecAt}). */
    synchronized List<Record> records() {
        if (!done) sign();
        return signed;
    }

    /** The NSEC record owned by {@code n}, or the one covering it (RFC 4034 §4.1), with their RRSIGs. */
    synchronized List<Record> nsecFor(Name n) {
        if (!done) sign();
        List<Name> owners = new ArrayList<>(nsec.keySet());
        Name owner = owners.getFirst();
        for (Name o : owners) if (o.compareTo(n) <= 0) owner = o;
        NSECRecord r = nsec.get(owner);
        return List.of(r, sig(List.of(r)));
    }

    /** Whether this zone has an NSEC at {@code n} (the name exists). */
    synchronized boolean exists(Name n) {
        if (!done) sign();
        return nsec.containsKey(n);
    }

    synchronized List<Record> soa() {
        if (!done) sign();
        List<Record> out = new ArrayList<>();
        for (Record r : signed) {
            if (r.getName().equals(apex) && (r.getType() == Type.SOA
                    || r instanceof RRSIGRecord s && s.getTypeCovered() == Type.SOA)) out.add(r);
        }
        return out;
    }

    private void sign() {
        List<Record> all = new ArrayList<>(data);
        all.add(dnskey);
        all.add(new SOARecord(apex, DClass.IN, TTL, Name.fromConstantString("ns." + (apex.equals(Name.root) ? "" : apex.toString())),
                Name.fromConstantString("hostmaster." + (apex.equals(Name.root) ? "" : apex.toString())), 1, 3600, 600, 86400, TTL));
        // RRsets by owner and type, in canonical order (RFC 4034 §6.1)
        TreeMap<Name, TreeMap<Integer, List<Record>>> byName = new TreeMap<>();
        for (Record r : all) byName.computeIfAbsent(r.getName(), k -> new TreeMap<>()).computeIfAbsent(r.getType(), k -> new ArrayList<>()).add(r);
        byName.keySet().removeIf(n -> belowCut(n, false)); // glue is not authoritative
        List<Name> names = new ArrayList<>(byName.keySet());
        for (int i = 0; i < names.size(); i++) {
            Name n = names.get(i);
            Set<Integer> types = new TreeSet<>(byName.get(n).keySet());
            types.add(Type.NSEC);
            types.add(Type.RRSIG);
            Name next = names.get((i + 1) % names.size());
            nsec.put(n, new NSECRecord(n, DClass.IN, TTL, next, types.stream().mapToInt(Integer::intValue).toArray()));
        }
        for (var e : byName.entrySet()) {
            boolean cut = cuts.contains(e.getKey());
            for (var t : e.getValue().entrySet()) {
                signed.addAll(t.getValue());
                // RFC 4035 §2.2: the NS RRset at a delegation point is not signed by the parent
                if (!(cut && t.getKey() == Type.NS)) signed.add(sig(t.getValue()));
            }
        }
        done = true;
    }

    private RRSIGRecord sig(List<Record> rrs) {
        RRset set = new RRset();
        for (Record r : rrs) set.addRR(r);
        try {
            RRSIGRecord s = DNSSEC.sign(set, dnskey, keys.getPrivate(), inception, expiration);
            if (corrupt.contains(set.getName() + "/" + set.getType())) {
                byte[] b = s.getSignature().clone();
                b[b.length / 2] ^= 0x55;
                s = new RRSIGRecord(s.getName(), s.getDClass(), s.getTTL(), s.getTypeCovered(), s.getAlgorithm(),
                        s.getOrigTTL(), s.getExpire(), s.getTimeSigned(), s.getFootprint(), s.getSigner(), b);
            }
            return s;
        } catch (DNSSEC.DNSSECException e) {
            throw new IllegalStateException(e);
        }
    }

    private void check() {
        if (done) throw new IllegalStateException("zone already signed");
    }
}
