package org.tegami.net.tls;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What the startup summary and health checks show about the certificate a listener presents.
 *
 * @param subject   leaf subject in RFC 2253 form, e.g. {@code CN=mail.example.com}
 * @param issuer    leaf issuer in RFC 2253 form
 * @param dnsNames  the leaf's subjectAltName dNSName entries, in certificate order
 * @param selfSigned true when the leaf is signed by its own key (clients will warn)
 */
public record CertificateInfo(String subject, String issuer, Instant notBefore, Instant notAfter,
                              List<String> dnsNames, boolean selfSigned) {

    public CertificateInfo {
        dnsNames = List.copyOf(dnsNames);
    }

    /** True if the certificate is already expired at {@code now} or will be within {@code d}. */
    public boolean expiresWithin(Duration d, Instant now) {
        return !notAfter.isAfter(now.plus(d));
    }

    /** True if {@code now} lies outside the validity period. */
    public boolean isExpired(Instant now) {
        return now.isAfter(notAfter);
    }
}
