package org.tegami.net.tls;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The protocol versions and cipher suites every listener accepts: TLS 1.3, and TLS 1.2 with forward-secret AEAD
 * suites only (RFC 9325 §4.2). Stated here explicitly rather than inherited from the JDK's defaults, so a JDK
 * upgrade or a site-wide java.security change cannot silently widen what mail clients may negotiate.
 */
final class TlsPolicy {
    /** Newest first; the server's order decides. */
    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private TlsPolicy() {
    }

    /** True for a suite this policy allows, whatever the JDK happens to support. */
    static boolean allowed(String suite) {
        String s = suite.toUpperCase(Locale.ROOT);
        // RFC 8446 §B.4: TLS 1.3 suites name only the AEAD and hash; key exchange is always (EC)DHE.
        if (s.startsWith("TLS_AES_") || s.startsWith("TLS_CHACHA20_")) {
            return true;
        }
        // TLS 1.2: ECDHE for forward secrecy, an AEAD record cipher; everything else (static RSA, DHE, CBC with
        // its padding-oracle history, RC4, 3DES, NULL, anon, export) is refused. RFC 9325 §4.2.
        boolean ecdhe = s.startsWith("TLS_ECDHE_ECDSA_WITH_") || s.startsWith("TLS_ECDHE_RSA_WITH_");
        boolean aead = s.contains("_GCM_") || s.endsWith("_CHACHA20_POLY1305_SHA256");
        boolean banned = s.contains("NULL") || s.contains("ANON") || s.contains("RC4") || s.contains("3DES")
                || s.contains("_DES_") || s.contains("EXPORT") || s.contains("CBC");
        return ecdhe && aead && !banned;
    }

    /** The allowed suites this context supports, in the JDK's default preference order (AES-256 GCM first). */
    static String[] cipherSuites(SSLContext context) {
        String[] defaults = context.getDefaultSSLParameters().getCipherSuites();
        String[] suites = Arrays.stream(defaults).filter(TlsPolicy::allowed).toArray(String[]::new);
        if (suites.length == 0) {
            throw new IllegalStateException("this JDK offers no TLS cipher suite allowed by the policy: "
                    + String.join(", ", defaults));
        }
        return suites;
    }

    /** Parameters for a server-mode socket under this policy. */
    static SSLParameters serverParameters(SSLContext context) {
        SSLParameters p = context.getDefaultSSLParameters();
        p.setProtocols(PROTOCOLS.toArray(String[]::new));
        p.setCipherSuites(cipherSuites(context));
        // Clients often list weak suites first; the server's order is the safer one.
        p.setUseCipherSuitesOrder(true);
        p.setNeedClientAuth(false);
        p.setWantClientAuth(false);
        return p;
    }
}
