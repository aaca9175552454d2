package org.tegami.smtp.server;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLSession;

/** The {@code Return-Path:} and {@code Received:} lines added on acceptance (RFC 5321 §4.4, RFC 3848). */
final class TraceHeaders {
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.US).withZone(ZoneOffset.UTC);

    private TraceHeaders() {}

    static byte[] returnPath(String reversePath) {
        return ("Return-Path: <" + reversePath + ">\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * RFC 5321 §4.4 time-stamp line. {@code with} is ESMTP plus S (TLS) and A (authenticated) per RFC 3848,
     * or UTF8SMTP variants per RFC 6531 §3.7.3; the TLS version and cipher go in a comment.
     */
    static byte[] received(String helo, String clientIp, String hostname, boolean esmtp, boolean utf8,
                           Optional<SSLSession> tls, boolean authenticated, String id, Optional<String> forRecipient,
                           Instant now) {
        String proto = (utf8 ? "UTF8SMTP" : esmtp ? "ESMTP" : "SMTP")
                + (tls.isPresent() && (esmtp || utf8) ? "S" : "")
                + (authenticated && (esmtp || utf8) ? "A" : "");
        StringBuilder sb = new StringBuilder();
        sb.append("Received: from ").append(sanitize(helo)).append(" ([").append(clientIp).append("])\r\n");
        sb.append("\tby ").append(hostname).append(" (Tegami) with ").append(proto);
        tls.ifPresent(s -> sb.append(" (").append(s.getProtocol()).append(' ').append(s.getCipherSuite()).append(')'));
        sb.append("\r\n\tid ").append(id);
        forRecipient.ifPresent(r -> sb.append("\r\n\tfor <").append(r).append('>'));
        sb.append("; ").append(DATE.format(now)).append("\r\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The HELO argument was validated as a domain, but keep header syntax safe regardless. */
    private static String sanitize(String s) {
        return s.replaceAll("[^\\p{L}\\p{N}.\\-\\[\\]:]", "?");
    }
}
