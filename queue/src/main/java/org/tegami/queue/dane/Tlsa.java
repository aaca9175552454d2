package org.tegami.queue.dane;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import org.xbill.DNS.TLSARecord;

/**
 * One TLSA record (RFC 6698 §2.1): certificate usage, selector, matching type and association data.
 *
 * @param usage 2 DANE-TA or 3 DANE-EE are the usable ones for SMTP (RFC 7672 §3.1.3: PKIX-TA/EE are not)
 * @param selector 0 the whole certificate, 1 its SubjectPublicKeyInfo
 * @param matching 0 exact, 1 SHA-256, 2 SHA-512
 */
public record Tlsa(int usage, int selector, int matching, byte[] data) {
    public static final int DANE_TA = 2;
    public static final int DANE_EE = 3;

    public static Tlsa of(TLSARecord r) {
        return new Tlsa(r.getCertificateUsage(), r.getSelector(), r.getMatchingType(), r.getCertificateAssociationData());
    }

    /**
     * Whether we can use this record (RFC 7672 §3.1.3: usages 0 and 1 are unusable for SMTP; unknown selectors or
     * matching types are unusable, RFC 6698 §4.1; a digest of the wrong length matches nothing).
     */
    public boolean usable() {
        if (usage != DANE_TA && usage != DANE_EE) return false;
        if (selector != 0 && selector != 1) return false;
        return switch (matching) {
            case 0 -> data.length > 0;
            case 1 -> data.length == 32;
            case 2 -> data.length == 64;
            default -> false;
        };
    }

    /** Whether this record's association data matches {@code cert} (RFC 6698 §2.1.2–2.1.3). */
    public boolean matches(X509Certificate cert) {
        byte[] selected;
        try {
            selected = selector == 0 ? cert.getEncoded() : cert.getPublicKey().getEncoded();
        } catch (CertificateEncodingException e) {
            return false;
        }
        byte[] value = switch (matching) {
            case 0 -> selected;
            case 1 -> digest("SHA-256", selected);
            case 2 -> digest("SHA-512", selected);
            default -> null;
        };
        return value != null && MessageDigest.isEqual(value, data);
    }

    static byte[] digest(String alg, byte[] b) {
        try {
            return MessageDigest.getInstance(alg).digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The {@code 3 1 1} record for a certificate: SHA-256 of its SubjectPublicKeyInfo, in hex. */
    public static String daneEe311(X509Certificate cert) {
        return "3 1 1 " + HexFormat.of().formatHex(digest("SHA-256", cert.getPublicKey().getEncoded()));
    }

    @Override
    public String toString() {
        return usage + " " + selector + " " + matching + " " + HexFormat.of().formatHex(data);
    }
}
