package org.tegami.mailauth.dkim;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.tegami.mailauth.HeaderSection;
import org.tegami.mailauth.dns.Dns;
import org.tegami.mailauth.dns.DnsAnswer;

/**
 * Verifies the DKIM signatures of a message (RFC 6376 §6, RFC 8463 for Ed25519, RFC 8301 for algorithm and key
 * size). The body is hashed while it streams, once per distinct (canonicalization, l=) pair; at most
 * {@link #MAX_SIGNATURES} signatures are checked (the first ones from the top), so a message cannot make us do
 * unbounded DNS lookups and RSA operations.
 *
 * <p>A signature with {@code l=} shorter than the body gets {@code policy}: it vouches for a prefix only, and
 * whatever follows it (an appended advertisement, a phishing link) is unsigned; RFC 8601 §2.7.1 defines policy
 * for "signed, but some aspect of the signature was not acceptable", and RFC 6376 §8.2 describes the attack.
 */
public final class DkimVerifier {
    /** Signatures checked per message. */
    public static final int MAX_SIGNATURES = 8;

    private final Dns dns;
    private final InstantSource clock;

    public DkimVerifier(Dns dns, InstantSource clock) {
        this.dns = dns;
        this.clock = clock;
    }

    /** Verifies every DKIM-Signature of a message, read from {@code message} to its end. */
    public List<DkimVerdict> verify(InputStream message) throws IOException {
        HeaderSection h = HeaderSection.read(message);
        return verify(h, message);
    }

    /** Verifies with the header section already read; {@code body} is read to its end. */
    public List<DkimVerdict> verify(HeaderSection headers, InputStream body) throws IOException {
        Job job = start(headers);
        feed(body, job.hashers());
        return job.finish();
    }

    /**
     * Starts verifying: parses the signatures and sets up the body hashes they need. The caller feeds the body to
     * {@link Job#hashers()} (with {@link #feed} or alongside other consumers), then calls {@link Job#finish()}.
     */
    public Job start(HeaderSection headers) {
        List<String> fields = headers.all("dkim-signature");
        List<Object> parsed = new ArrayList<>(); // DkimSignature or a DkimVerdict for a bad one
        Map<String, BodyHasher> hashers = new LinkedHashMap<>();
        for (String f : fields.subList(0, Math.min(fields.size(), MAX_SIGNATURES))) {
            try {
                DkimSignature s = DkimSignature.parse(HeaderSection.value(f), false);
                parsed.add(s);
                hashers.computeIfAbsent(bodyKey(s), k -> new BodyHasher(s.bodyCanon(), s.length()));
            } catch (DkimSyntaxException e) {
                parsed.add(new DkimVerdict(DkimResult.PERMERROR, tag(f, "d"), tag(f, "s"), "", tag(f, "a"), "", e.getMessage(), false));
            }
        }
        return new Job(headers, fields, parsed, hashers);
    }

    /** A verification waiting for its body. */
    public final class Job {
        private final HeaderSection headers;
        private final List<String> fields;
        private final List<Object> parsed;
        private final Map<String, BodyHasher> hashers;

        private Job(HeaderSection headers, List<String> fields, List<Object> parsed, Map<String, BodyHasher> hashers) {
            this.headers = headers;
            this.fields = fields;
            this.parsed = parsed;
            this.hashers = hashers;
        }

        /** The body hashes to feed. */
        public java.util.Collection<BodyHasher> hashers() {
            return hashers.values();
        }

        /** The verdicts, in the order of the signatures from the top. */
        public List<DkimVerdict> finish() {
            List<DkimVerdict> out = new ArrayList<>();
            for (int i = 0; i < parsed.size(); i++) {
                if (parsed.get(i) instanceof DkimVerdict v) {
                    out.add(v);
                    continue;
                }
                DkimSignature s = (DkimSignature) parsed.get(i);
                out.add(check(s, fields.get(i), headers, hashers.get(bodyKey(s))));
            }
            return out;
        }
    }

    /** The key under which {@link #start} and ARC share one body hash per (canonicalization, l=). */
    public static String bodyKey(DkimSignature s) {
        return s.bodyCanon() + "/" + s.length();
    }

    /** Reads the body to its end into every hasher. */
    public static void feed(InputStream body, Iterable<BodyHasher> hashers) throws IOException {
        byte[] buf = new byte[16 * 1024];
        for (int n; (n = body.read(buf)) > 0; ) {
            for (BodyHasher h : hashers) h.update(buf, 0, n);
        }
    }

    /**
     * Checks one parsed signature (a DKIM-Signature, or an ARC-Message-Signature whose identity is its instance)
     * whose body hash {@code body} has been fed the whole body.
     */
    public DkimVerdict check(DkimSignature s, String field, HeaderSection headers, BodyHasher body) {
        String b = s.rawB().substring(0, Math.min(DkimVerdict.HEADER_B_LENGTH, s.rawB().length()));
        // RFC 6376 §6.1.1: a signature past its x= is not valid.
        if (s.expiry() >= 0 && clock.instant().getEpochSecond() > s.expiry()) {
            return new DkimVerdict(DkimResult.FAIL, s.domain(), s.selector(), s.identity(), s.algorithm(), b, "signature expired", false);
        }
        KeyResult kr = key(dns, s);
        if (kr instanceof KeyResult.Error e) {
            return new DkimVerdict(e.result(), s.domain(), s.selector(), s.identity(), s.algorithm(), b, e.reason(), false);
        }
        DkimKeyRecord key = ((KeyResult.Found) kr).key();
        if (key.strict() && s.identity().indexOf('@') >= 0) {
            String id = s.identity().substring(s.identity().lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
            // RFC 6376 §3.6.1 t=s: no subdomain in i=.
            if (!id.equals(s.domain())) {
                return new DkimVerdict(DkimResult.PERMERROR, s.domain(), s.selector(), s.identity(), s.algorithm(), b, "key has t=s but i= is a subdomain", key.testing());
            }
        }
        byte[] bh = body.digest();
        if (s.length() >= 0 && body.canonicalLength() < s.length()) {
            return new DkimVerdict(DkimResult.FAIL, s.domain(), s.selector(), s.identity(), s.algorithm(), b, "body shorter than l=", key.testing());
        }
        if (!MessageDigest.isEqual(bh, s.bodyHash())) {
            return new DkimVerdict(DkimResult.FAIL, s.domain(), s.selector(), s.identity(), s.algorithm(), b, "body hash mismatch", key.testing());
        }
        byte[] data = headerData(headers, s.signedHeaders(), s.headerCanon(), field);
        if (!verifyBytes(s.algorithm(), key.key(), data, s.signature())) {
            return new DkimVerdict(DkimResult.FAIL, s.domain(), s.selector(), s.identity(), s.algorithm(), b, "signature did not verify", key.testing());
        }
        if (s.length() >= 0 && body.canonicalLength() > s.length()) {
            return new DkimVerdict(DkimResult.POLICY, s.domain(), s.selector(), s.identity(), s.algorithm(), b,
                    "l= signs " + s.length() + " of " + body.canonicalLength() + " body octets", key.testing());
        }
        return new DkimVerdict(DkimResult.PASS, s.domain(), s.selector(), s.identity(), s.algorithm(), b, "good signature", key.testing());
    }

    /** A key record found, or the result to give when it was not. */
    public sealed interface KeyResult {
        record Found(DkimKeyRecord key) implements KeyResult {}
        record Error(DkimResult result, String reason) implements KeyResult {}
    }

    /** Looks up and checks the key of a signature (RFC 6376 §6.1.2). */
    static KeyResult key(Dns dns, DkimSignature s) {
        return key(dns, s.keyName(), s.keyType(), s.algorithm());
    }

    /** Looks up the key at {@code name} for a signature of algorithm {@code a} (key type {@code keyType}). */
    public static KeyResult key(Dns dns, String name, String keyType, String a) {
        DnsAnswer<String> txt = dns.txt(name);
        List<String> records = switch (txt) {
            case DnsAnswer.TempFail<String> t -> { yield null; }
            case DnsAnswer.Void<String> v -> List.of();
            case DnsAnswer.Records<String> r -> r.values();
        };
        if (records == null) return new KeyResult.Error(DkimResult.TEMPERROR, "key lookup failed");
        if (records.isEmpty()) return new KeyResult.Error(DkimResult.PERMERROR, "no key for signature");
        String problem = "no usable key";
        for (String r : records.subList(0, Math.min(records.size(), 4))) {
            try {
                DkimKeyRecord k = DkimKeyRecord.parse(r);
                if (k.revoked()) return new KeyResult.Error(DkimResult.PERMERROR, "key revoked");
                if (!k.algorithm().equals(keyType)) {
                    problem = "key type " + k.algorithm() + " does not match a=" + a;
                    continue;
                }
                if (!k.hashes().isEmpty() && !k.hashes().contains("sha256")) {
                    problem = "key does not allow sha256";
                    continue;
                }
                return new KeyResult.Found(k);
            } catch (DkimSyntaxException e) {
                problem = e.getMessage();
            }
        }
        return new KeyResult.Error(DkimResult.PERMERROR, problem);
    }

    /**
     * The header hash input (RFC 6376 §3.7, §5.4.2): each name in {@code h} takes the last instance not yet
     * taken, from the bottom up; a name without one contributes nothing; then the signature field itself with
     * its b= value emptied and no final CRLF.
     */
    public static byte[] headerData(HeaderSection headers, List<String> h, Canonicalization c, String sigField) {
        StringBuilder data = new StringBuilder();
        List<String> fields = headers.fields();
        Set<Integer> used = new HashSet<>();
        for (String name : h) {
            for (int i = fields.size() - 1; i >= 0; i--) {
                if (!used.contains(i) && HeaderSection.name(fields.get(i)).equals(name)) {
                    used.add(i);
                    data.append(c.header(fields.get(i))).append("\r\n");
                    break;
                }
            }
        }
        data.append(c.header(withoutB(sigField)));
        return HeaderSection.bytes(data.toString());
    }

    /** The field with the value of its b= tag (and the white space around it) removed (RFC 6376 §3.5 b=). */
    public static String withoutB(String field) {
        int colon = field.indexOf(':');
        String value = field.substring(colon + 1);
        int pos = 0;
        while (pos <= value.length()) {
            int semi = value.indexOf(';', pos);
            int end = semi < 0 ? value.length() : semi;
            int eq = value.indexOf('=', pos);
            if (eq >= 0 && eq < end && value.substring(pos, eq).replaceAll("[ \t\r\n]", "").equals("b")) {
                return field.substring(0, colon + 1) + value.substring(0, eq + 1) + value.substring(end);
            }
            if (semi < 0) break;
            pos = semi + 1;
        }
        return field;
    }

    /** Checks a signature over header data: RSA with SHA-256, or Ed25519 over the SHA-256 hash (RFC 8463 §3). */
    public static boolean verifyBytes(String algorithm, PublicKey key, byte[] data, byte[] sig) {
        try {
            Signature v;
            byte[] signed = data;
            if (algorithm.equals("ed25519-sha256")) {
                signed = MessageDigest.getInstance("SHA-256").digest(data);
                v = Signature.getInstance("Ed25519");
            } else {
                v = Signature.getInstance("SHA256withRSA");
            }
            v.initVerify(key);
            v.update(signed);
            return v.verify(sig);
        } catch (Exception e) {
            return false;
        }
    }

    /** A tag of an unparseable signature, for the report; empty when absent or unreadable. */
    private static String tag(String field, String tag) {
        try {
            String v = TagList.parse(HeaderSection.value(field)).get(tag);
            return v == null ? "" : DkimKeyRecord.abbreviate(v.strip());
        } catch (DkimSyntaxException e) {
            return "";
        }
    }
}
