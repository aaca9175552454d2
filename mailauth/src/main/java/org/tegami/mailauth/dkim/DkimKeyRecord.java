package org.tegami.mailauth.dkim;

import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * A DKIM key record (RFC 6376 §3.6.1, RFC 8463 §4): the public key and its restrictions.
 *
 * @param algorithm  {@code rsa} or {@code ed25519} (k=)
 * @param key        the public key; null when revoked (empty p=)
 * @param hashes     the allowed hashes (h=), empty for any
 * @param strict     t=s: the i= domain must equal d= exactly
 * @param testing    t=y: the domain is testing DKIM
 */
public record DkimKeyRecord(String algorithm, PublicKey key, List<String> hashes, boolean strict, boolean testing) {
    /** RFC 8301 §3.2: RSA keys below 1024 bits are not accepted. */
    public static final int MIN_RSA_BITS = 1024;
    /** Larger keys are refused before the costly parse (RFC 8301 §3.2 asks verifiers to handle up to 4096). */
    public static final int MAX_RSA_BITS = 8192;

    /** The 12-octet DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4), before the 32-octet key. */
    private static final byte[] ED25519_SPKI = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

    public boolean revoked() {
        return key == null;
    }

    /** Parses a TXT record; {@link DkimSyntaxException} for anything a verifier must treat as no usable key. */
    public static DkimKeyRecord parse(String txt) throws DkimSyntaxException {
        TagList t = TagList.parse(txt);
        String v = t.get("v");
        // RFC 6376 §3.6.1: v=, when present, must be first and DKIM1.
        if (v != null && (!v.equals("DKIM1") || !t.tags().keySet().iterator().next().equals("v"))) {
            throw new DkimSyntaxException("key record version is not DKIM1");
        }
        String k = t.get("k") == null ? "rsa" : t.get("k");
        if (!k.equals("rsa") && !k.equals("ed25519")) throw new DkimSyntaxException("unknown key type " + abbreviate(k));
        List<String> hashes = t.get("h") == null ? List.of() : Arrays.stream(t.get("h").split(":")).map(String::strip).toList();
        String s = t.get("s");
        if (s != null && Arrays.stream(s.split(":")).map(String::strip).noneMatch(x -> x.equals("*") || x.equals("email"))) {
            throw new DkimSyntaxException("key not for email (s=" + abbreviate(s) + ")"); // RFC 6376 §3.6.1 s=
        }
        boolean strict = false, testing = false;
        if (t.get("t") != null) {
            for (String flag : t.get("t").split(":")) {
                if (flag.strip().equals("s")) strict = true;
                if (flag.strip().equals("y")) testing = true;
            }
        }
        String p = TagList.noWhitespace(t.get("p"));
        if (p == null) throw new DkimSyntaxException("key record without p=");
        if (p.isEmpty()) return new DkimKeyRecord(k, null, hashes, strict, testing); // RFC 6376 §3.6.1: revoked
        byte[] der;
        try {
            der = Base64.getDecoder().decode(p);
        } catch (IllegalArgumentException e) {
            throw new DkimSyntaxException("p= is not base64");
        }
        try {
            PublicKey key;
            if (k.equals("ed25519")) {
                if (der.length != 32) throw new DkimSyntaxException("Ed25519 key is not 32 octets"); // RFC 8463 §4
                byte[] spki = Arrays.copyOf(ED25519_SPKI, 44);
                System.arraycopy(der, 0, spki, 12, 32);
                key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
            } else {
                if (der.length > MAX_RSA_BITS / 8 + 64) throw new DkimSyntaxException("RSA key larger than " + MAX_RSA_BITS + " bits");
                key = rsa(der);
                int bits = ((RSAPublicKey) key).getModulus().bitLength();
                // RFC 8301 §3.2
                if (bits < MIN_RSA_BITS) throw new DkimSyntaxException("RSA key of " + bits + " bits is below " + MIN_RSA_BITS);
            }
            return new DkimKeyRecord(k, key, hashes, strict, testing);
        } catch (DkimSyntaxException e) {
            throw e;
        } catch (Exception e) {
            throw new DkimSyntaxException("unusable public key");
        }
    }

    /** SubjectPublicKeyInfo as RFC 6376 §3.6.1 says, or a bare PKCS#1 RSAPublicKey as some publish. */
    private static PublicKey rsa(byte[] der) throws Exception {
        KeyFactory kf = KeyFactory.getInstance("RSA");
        try {
            return kf.generatePublic(new X509EncodedKeySpec(der));
        } catch (Exception e) {
            var pkcs1 = org.bouncycastle.asn1.pkcs.RSAPublicKey.getInstance(der);
            return kf.generatePublic(new java.security.spec.RSAPublicKeySpec(pkcs1.getModulus(), pkcs1.getPublicExponent()));
        }
    }

    static String abbreviate(String s) {
        return s.length() > 32 ? s.substring(0, 32) + "…" : s;
    }
}
