package org.tegami.queue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * A delivery status notification (RFC 3464): multipart/report with a human explanation, a
 * message/delivery-status part per failed recipient, and the original message's headers (RFC 6522).
 */
final class Bounce {
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.US).withZone(ZoneOffset.UTC);
    /** Headers of the original are enough to identify it; cap them so a bounce stays small. */
    private static final int MAX_HEADER_BYTES = 64 * 1024;

    private Bounce() {}

    static byte[] build(String hostname, String sender, Instant arrival, Map<String, DeliveryStatus.PermFailed> failed,
                        InputStream original, Instant now) throws IOException {
        return build(hostname, sender, arrival, failed, original, now, null);
    }

    /**
     * With {@code retryUntil} set, a delay notice (Action: delayed, RFC 3464 §2.3.3) instead of a failure: the
     * server keeps trying and says until when.
     */
    static byte[] build(String hostname, String sender, Instant arrival, Map<String, DeliveryStatus.PermFailed> failed,
                        InputStream original, Instant now, Instant retryUntil) throws IOException {
        boolean delayed = retryUntil != null;
        String boundary = "tegami-" + UUID.randomUUID();
        StringBuilder sb = new StringBuilder();
        sb.append("From: Mail Delivery System <MAILER-DAEMON@").append(hostname).append(">\r\n");
        sb.append("To: <").append(sender).append(">\r\n");
        sb.append(delayed ? "Subject: Delayed Mail (still being retried)\r\n" : "Subject: Undelivered Mail Returned to Sender\r\n");
        sb.append("Date: ").append(DATE.format(now)).append("\r\n");
        sb.append("Message-ID: <").append(UUID.randomUUID()).append('@').append(hostname).append(">\r\n");
        sb.append("Auto-Submitted: auto-replied\r\n"); // RFC 3834 §5
        sb.append("MIME-Version: 1.0\r\n");
        sb.append("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"").append(boundary).append("\"\r\n\r\n");
        sb.append("--").append(boundary).append("\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
        sb.append("This is the mail system at ").append(hostname).append(".\r\n\r\n");
        sb.append(delayed
                ? "Your message has not been delivered yet to the recipients below. This is a warning only: the server\r\n"
                        + "keeps trying until " + DATE.format(retryUntil) + " and tells you if it gives up.\r\n\r\n"
                : "Your message could not be delivered to one or more recipients:\r\n\r\n");
        failed.forEach((rcpt, f) -> sb.append("<").append(rcpt).append(">: ").append(oneLine(f.reason())).append("\r\n"));
        sb.append("\r\n--").append(boundary).append("\r\nContent-Type: message/delivery-status\r\n\r\n");
        sb.append("Reporting-MTA: dns; ").append(hostname).append("\r\n");
        sb.append("Arrival-Date: ").append(DATE.format(arrival)).append("\r\n");
        failed.forEach((rcpt, f) -> {
            sb.append("\r\nFinal-Recipient: rfc822; ").append(rcpt).append("\r\n");
            sb.append(delayed ? "Action: delayed\r\n" : "Action: failed\r\n");
            sb.append("Status: ").append(delayed ? "4" + status(f.reason()).substring(1) : status(f.reason())).append("\r\n");
            if (delayed) sb.append("Will-Retry-Until: ").append(DATE.format(retryUntil)).append("\r\n");
            if (f.remoteHost() != null) sb.append("Remote-MTA: dns; ").append(f.remoteHost()).append("\r\n");
            sb.append("Diagnostic-Code: smtp; ").append(oneLine(f.reason())).append("\r\n");
        });
        sb.append("\r\n--").append(boundary).append("\r\nContent-Type: text/rfc822-headers\r\n\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        out.write(headers(original));
        out.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /** The enhanced status code in a reply ("550 5.1.1 ..." → 5.1.1), else 5.0.0. */
    static String status(String reply) {
        var m = java.util.regex.Pattern.compile("\\b([245]\\.\\d{1,3}\\.\\d{1,3})\\b").matcher(reply);
        return m.find() ? "5" + m.group(1).substring(1) : "5.0.0";
    }

    private static String oneLine(String s) {
        return s.replaceAll("[\\r\\n]+", " ");
    }

    /** The header section of the original, up to its blank line. */
    private static byte[] headers(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int prev = -1, prev2 = -1, b;
        while ((b = in.read()) >= 0 && out.size() < MAX_HEADER_BYTES) {
            out.write(b);
            if (b == '\n' && prev == '\r' && prev2 == '\n') break;
            prev2 = prev;
            prev = b;
        }
        return out.toByteArray();
    }
}
