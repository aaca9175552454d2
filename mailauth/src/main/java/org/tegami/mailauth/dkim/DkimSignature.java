package org.tegami.mailauth.dkim;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * A parsed DKIM-Signature (RFC 6376 §3.5) or ARC-Message-Signature (RFC 8617 §4.1.2, where {@code i=} is the
 * instance number and there is no {@code v=}). Parsing checks everything that needs no DNS.
 *
 * @param algorithm     {@code rsa-sha256} or {@code ed25519-sha256}
 * @param signature     the decoded b=
 * @param bodyHash      the decoded bh=
 * @param identity      the i= of a DKIM signature ("@" + d when absent); the instance number of an AMS
 * @param length        l=, or -1
 * @param timestamp     t=, or -1
 * @param expiry        x=, or -1
 * @param rawB          b= as written, whitespace removed (for Authentication-Results header.b)
 */
public record DkimSignature(String algorithm, byte[] signature, byte[] bodyHash, Canonicalization headerCanon,
        Canonicalization bodyCanon, String domain, List<String> signedHeaders, String identity, long length,
        String selector, long timestamp, long expiry, String rawB) {
    /** The most header names in h=. */
    public static final int MAX_SIGNED_HEADERS = 128;

    public static DkimSignature parse(String value, boolean arc) throws DkimSyntaxException {
        TagList t = TagList.parse(value);
        if (arc) {
            if (t.get("v") != null) throw new DkimSyntaxException("v= in ARC-Message-Signature"); // RFC 8617 §4.1.2
        } else if (!"1".equals(t.get("v"))) {
            throw new DkimSyntaxException("v= missing or not 1");
        }
        for (String req : new String[] {"a", "b", "bh", "d", "h", "s"}) {
            if (t.get(req) == null) throw new DkimSyntaxException("missing required tag " + req + "=");
        }
        String a = t.get("a").toLowerCase(Locale.ROOT);
        // RFC 8301 §3.1: rsa-sha1 is no longer accepted.
        if (a.equals("rsa-sha1")) throw new DkimSyntaxException("rsa-sha1 is not accepted (RFC 8301)");
        if (!a.equals("rsa-sha256") && !a.equals("ed25519-sha256")) throw new DkimSyntaxException("unknown algorithm " + DkimKeyRecord.abbreviate(a));
        String rawB = TagList.noWhitespace(t.get("b"));
        byte[] b = base64(rawB, "b");
        byte[] bh = base64(TagList.noWhitespace(t.get("bh")), "bh");
        if (bh.length != 32) throw new DkimSyntaxException("bh= is not a SHA-256 hash");
        Canonicalization[] c = Canonicalization.parse(t.get("c") == null ? null : t.get("c").toLowerCase(Locale.ROOT));
        if (c == null) throw new DkimSyntaxException("unknown canonicalization");
        String d = t.get("d").toLowerCase(Locale.ROOT);
        if (d.isEmpty() || d.length() > 253 || d.startsWith(".") || d.endsWith(".")) throw new DkimSyntaxException("bad d=");
        String s = t.get("s");
        if (s.isEmpty() || s.length() > 253) throw new DkimSyntaxException("bad s=");
        List<String> h = new ArrayList<>();
        for (String name : t.get("h").split(":", -1)) {
            String n = name.replaceAll("[ \t\r\n]", "").toLowerCase(Locale.ROOT);
            if (n.isEmpty()) throw new DkimSyntaxException("empty name in h=");
            if (h.size() >= MAX_SIGNED_HEADERS) throw new DkimSyntaxException("more than " + MAX_SIGNED_HEADERS + " names in h=");
            h.add(n);
        }
        // RFC 6376 §5.4 / §6.1.1: From must be signed (RFC 8617 §4.1.2 keeps this for AMS).
        if (!h.contains("from")) throw new DkimSyntaxException("h= does not include From");
        String identity;
        if (arc) {
            identity = t.get("i");
            if (identity == null) throw new DkimSyntaxException("missing i=");
        } else {
            identity = t.get("i") == null ? "@" + d : t.get("i");
            int at = identity.lastIndexOf('@');
            String idomain = at < 0 ? "" : identity.substring(at + 1).toLowerCase(Locale.ROOT);
            // RFC 6376 §3.5 i=: the domain must be d= or a subdomain of it.
            if (at < 0 || !(idomain.equals(d) || idomain.endsWith("." + d))) throw new DkimSyntaxException("i= is not within d=");
        }
        String q = t.get("q");
        if (q != null && !q.toLowerCase(Locale.ROOT).contains("dns/txt")) throw new DkimSyntaxException("unknown query method");
        long l = number(t.get("l"), "l");
        long ts = number(t.get("t"), "t");
        long x = number(t.get("x"), "x");
        if (x >= 0 && ts >= 0 && x <= ts) throw new DkimSyntaxException("x= not after t="); // RFC 6376 §3.5 x=
        return new DkimSignature(a, b, bh, c[0], c[1], d, List.copyOf(h), identity, l, s, ts, x, rawB);
    }

    private static byte[] base64(String v, String tag) throws DkimSyntaxException {
        try {
            byte[] out = Base64.getDecoder().decode(v);
            if (out.length == 0) throw new DkimSyntaxException("empty " + tag + "=");
            return out;
        } catch (IllegalArgumentException e) {
            throw new DkimSyntaxException(tag + "= is not base64");
        }
    }

    /** A decimal of at most 76 bits per RFC 6376; we take up to 18 digits. */
    private static long number(String v, String tag) throws DkimSyntaxException {
        if (v == null) return -1;
        if (!v.matches("[0-9]{1,18}")) throw new DkimSyntaxException("bad " + tag + "=");
        return Long.parseLong(v);
    }

    /** The key type the algorithm needs (k= of the key record). */
    public String keyType() {
        return algorithm.startsWith("ed25519") ? "ed25519" : "rsa";
    }

    /** The DNS name of the key: {@code s._domainkey.d}. */
    public String keyName() {
        return selector + "._domainkey." + domain;
    }
}
