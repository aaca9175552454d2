package org.tegami.mailauth.dkim;

import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * One DKIM signing key: the domain, selector, algorithm ({@code rsa-sha256} or {@code ed25519-sha256}, RFC 8463)
 * and the private key, with the DNS TXT record that publishes its public half.
 */
public record DkimKey(String domain, String selector, Algorithm algorithm, PrivateKey privateKey, PublicKey publicKey) {

    public enum Algorithm {
        RSA("rsa-sha256", "rsa", "RSA"),
        ED25519("ed25519-sha256", "ed25519", "Ed25519");

        final String tag;
        final String keyType;

        /** The a= value, e.g. {@code rsa-sha256}. */
        public String tag() {
            return tag;
        }
        final String jca;

        Algorithm(String tag, String keyType, String jca) {
            this.tag = tag;
            this.keyType = keyType;
            this.jca = jca;
        }
    }

    /** A new key: RSA 2048 bits (RFC 8301 §3.2 asks for at least 1024, 2048 is the common choice) or Ed25519. */
    public static DkimKey generate(String domain, String selector, Algorithm alg) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(alg.jca);
            if (alg == Algorithm.RSA) g.initialize(2048);
            KeyPair kp = g.generateKeyPair();
            return new DkimKey(domain, selector, alg, kp.getPrivate(), kp.getPublic());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a PKCS#8 private key and derives the public key from it. */
    public static DkimKey fromPkcs8(String domain, String selector, Algorithm alg, byte[] pkcs8) throws Exception {
        KeyFactory kf = KeyFactory.getInstance(alg.jca);
        PrivateKey priv = kf.generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        PublicKey pub;
        if (priv instanceof RSAPrivateCrtKey rsa) {
            pub = kf.generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
        } else {
            // An Ed25519 PKCS#8 (RFC 8410) private key carries no public key; derive it by signing machinery.
            pub = Ed25519.publicFromPrivate(pkcs8);
        }
        return new DkimKey(domain, selector, alg, priv, pub);
    }

    /** The TXT record value for {@code selector._domainkey.domain} (RFC 6376 §3.6.1, RFC 8463 §4.2). */
    public String dnsRecord() {
        byte[] p = algorithm == Algorithm.ED25519 ? Ed25519.raw(publicKey) : publicKey.getEncoded();
        return "v=DKIM1; k=" + algorithm.keyType + "; p=" + Base64.getEncoder().encodeToString(p);
    }

    public String dnsName() {
        return selector + "._domainkey." + domain;
    }

    /** Helpers for the raw 32-byte Ed25519 public key that DKIM publishes. */
    static final class Ed25519 {
        private Ed25519() {}

        /** The last 32 bytes of the X.509 SubjectPublicKeyInfo are the raw key (RFC 8410 §4). */
        static byte[] raw(PublicKey k) {
            byte[] spki = k.getEncoded();
            return Arrays.copyOfRange(spki, spki.length - 32, spki.length);
        }

        static PublicKey publicFromPrivate(byte[] pkcs8) throws Exception {
            var params = org.bouncycastle.crypto.util.PrivateKeyFactory.createKey(pkcs8);
            var pub = ((org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters) params).generatePublicKey();
            byte[] spki = org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(pub).getEncoded();
            return KeyFactory.getInstance("Ed25519").generatePublic(new java.security.spec.X509EncodedKeySpec(spki));
        }
    }
}
