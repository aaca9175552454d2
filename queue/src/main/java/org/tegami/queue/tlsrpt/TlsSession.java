package org.tegami.queue.tlsrpt;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One outbound TLS session's outcome as RFC 8460 counts it: the policy applied to the MX host, and success or a
 * result type (§4.3). Encoded as one line for the store.
 *
 * @param policyType    {@code tlsa}, {@code sts} or {@code no-policy-found} (§4.4)
 * @param policyStrings the policy as published (TLSA records, or the MTA-STS policy's lines)
 * @param result        {@code success}, or a result type of §4.3 ({@code starttls-not-supported}, …)
 */
public record TlsSession(String policyType, List<String> policyStrings, String mxHost, String result, String receivingIp) {
    public static final String SUCCESS = "success";
    private static final int MAX_FIELD = 2048;

    public boolean success() {
        return result.equals(SUCCESS);
    }

    /** Tab-separated fields, policy strings separated by U+001F (neither occurs in what we put there). */
    public String encode() {
        return String.join("\t", policyType, String.join("\u001f", policyStrings), mxHost, result, receivingIp);
    }

    /** The session of {@link #encode}, or empty for a line that is not one (a newer or damaged row). */
    public static Optional<TlsSession> decode(String line) {
        String[] f = line.split("\t", -1);
        if (f.length != 5) return Optional.empty();
        for (String x : f) if (x.length() > MAX_FIELD) return Optional.empty();
        return Optional.of(new TlsSession(f[0], f[1].isEmpty() ? List.of() : List.of(f[1].split("\u001f", -1)), f[2], f[3], f[4]));
    }

    /**
     * The RFC 8460 §4.3 result type a failed delivery attempt stands for, from the client's failure text; empty
     * when the failure has nothing to do with TLS (connection refused, a 4xx reply after a good handshake).
     */
    public static Optional<String> failureType(String reason) {
        String r = reason.toLowerCase(Locale.ROOT);
        if (r.contains("does not offer starttls")) return Optional.of("starttls-not-supported");          // §4.3.1
        if (r.contains("dane: no tlsa record") || r.contains("dane-ta:")) return Optional.of("tlsa-invalid");  // §4.3.2.1
        if (r.contains("dane:") && (r.contains("did not validate") || r.contains("could not be validated"))) {
            return Optional.of("dnssec-invalid");                                                       // §4.3.2.1
        }
        if (r.contains("no subject alternative") || r.contains("no name matching")) return Optional.of("certificate-host-mismatch");
        if (r.contains("validity check failed") || r.contains("certificate expired") || r.contains("notafter")) {
            return Optional.of("certificate-expired");
        }
        if (r.contains("pkix path") || r.contains("unable to find valid certification path")) {
            return Optional.of("certificate-not-trusted");
        }
        if (r.contains("sslhandshakeexception") || r.contains("sslexception") || r.contains("handshake")) {
            return Optional.of("validation-failure");
        }
        return Optional.empty();
    }
}
