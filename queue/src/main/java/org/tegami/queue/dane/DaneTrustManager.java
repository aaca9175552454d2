package org.tegami.queue.dane;

import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.X509TrustManager;

/**
 * Authenticates an SMTP server by its TLSA records (RFC 7672 §3): DANE-EE ({@code 3 x x}) by the leaf certificate
 * alone, with no name or expiry checks (§3.1.1); DANE-TA ({@code 2 x x}) by a certificate of the presented chain
 * that the records match, the chain below it validated from it as trust anchor, and the leaf naming the MX host
 * (§3.2.2, §3.2.3).
 */
public final class DaneTrustManager implements X509TrustManager {
    private final List<Tlsa> records;
    private final String host;

    /** @param records the usable TLSA records of {@code _25._tcp.<host>} */
    public DaneTrustManager(List<Tlsa> records, String host) {
        this.records = List.copyOf(records);
        this.host = host.toLowerCase(Locale.ROOT);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) throw new CertificateException("DANE: no certificate presented");
        for (Tlsa t : records) {
            if (t.usage() == Tlsa.DANE_EE && t.matches(chain[0])) return; // RFC 7672 §3.1.1: nothing else is checked
        }
        CertificateException last = null;
        for (Tlsa t : records) {
            if (t.usage() != Tlsa.DANE_TA) continue;
            for (int i = 0; i < chain.length; i++) {
                if (!t.matches(chain[i])) continue;
                try {
                    validateBelow(chain, i, t.selector() == 1);
                    checkName(chain[0]);
                    return;
                } catch (CertificateException e) {
                    last = e;
                }
            }
        }
        if (last != null) throw last;
        throw new CertificateException("DANE: no TLSA record of _25._tcp." + host + " matches the certificate presented");
    }

    /** PKIX validation of chain[0..ta) from chain[ta] (its key alone when the record names only the key). */
    private static void validateBelow(X509Certificate[] chain, int ta, boolean keyOnly) throws CertificateException {
        if (ta == 0) {
            // the trust anchor is the leaf itself (RFC 7672 §3.1.2 allows it): only its name is checked
            return;
        }
        try {
            X509Certificate anchor = chain[ta];
            TrustAnchor a = keyOnly ? new TrustAnchor(anchor.getSubjectX500Principal(), anchor.getPublicKey(), null)
                    : new TrustAnchor(anchor, null);
            PKIXParameters p = new PKIXParameters(Set.of(a));
            p.setRevocationEnabled(false);
            var path = CertificateFactory.getInstance("X.509").generateCertPath(Arrays.asList(chain).subList(0, ta));
            CertPathValidator.getInstance("PKIX").validate(path, p);
        } catch (CertificateException e) {
            throw e;
        } catch (Exception e) {
            throw new CertificateException("DANE-TA: the chain does not validate from the TLSA trust anchor: " + e.getMessage(), e);
        }
    }

    /**
     * RFC 7672 §3.2.3: the MX host name must be among the leaf's DNS subject alternative names (the subject's CN only
     * when there are none); a wildcard stands for one whole leftmost label (RFC 6125 §6.4.3).
     */
    private void checkName(X509Certificate leaf) throws CertificateException {
        List<String> names = new ArrayList<>();
        try {
            var sans = leaf.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) if (Integer.valueOf(2).equals(san.getFirst())) names.add(String.valueOf(san.get(1)));
            }
        } catch (CertificateParsingException e) {
            throw new CertificateException("DANE-TA: unreadable subject alternative names", e);
        }
        if (names.isEmpty()) {
            for (String rdn : leaf.getSubjectX500Principal().getName("RFC2253").split(",")) {
                if (rdn.regionMatches(true, 0, "CN=", 0, 3)) names.add(rdn.substring(3));
            }
        }
        for (String n : names) if (nameMatches(n.toLowerCase(Locale.ROOT), host)) return;
        throw new CertificateException("DANE-TA: the certificate does not name " + host + " (names " + names + ")");
    }

    static boolean nameMatches(String pattern, String host) {
        if (pattern.endsWith(".")) pattern = pattern.substring(0, pattern.length() - 1);
        if (pattern.equals(host)) return true;
        if (pattern.startsWith("*.")) {
            int dot = host.indexOf('.');
            return dot > 0 && host.substring(dot + 1).equals(pattern.substring(2));
        }
        return false;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("client certificates are not checked here");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
