package org.tegami.delivery;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The delivery status notification (RFC 3464, in a multipart/report of RFC 6522) for local recipients a stage
 * refused after others accepted the message: SMTP has one reply to DATA for all recipients (RFC 5321 §3.3), so
 * those are told by mail. It quotes the original's header section, as the queue's bounces do.
 */
public final class RefusalNotice {
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.US).withZone(ZoneOffset.UTC);

    private RefusalNotice() {}

    /** The notice to {@code sender} (a non-empty reverse path; RFC 5321 §6.1: never to the null sender). */
    public static byte[] build(String hostname, String sender, Instant arrival, Map<String, Outcome.Refuse> refused,
                               byte[] originalHeader, Instant now) {
        String boundary = "tegami-" + UUID.randomUUID();
        StringBuilder sb = new StringBuilder();
        sb.append("From: Mail Delivery System <MAILER-DAEMON@").append(hostname).append(">\r\n");
        sb.append("To: <").append(sender).append(">\r\n");
        sb.append("Subject: Undelivered Mail Returned to Sender\r\n");
        sb.append("Date: ").append(DATE.format(now)).append("\r\n");
        sb.append("Message-ID: <").append(UUID.randomUUID()).append('@').append(hostname).append(">\r\n");
        sb.append("Auto-Submitted: auto-replied\r\n"); // RFC 3834 §5
        sb.append("MIME-Version: 1.0\r\n");
        sb.append("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"").append(boundary).append("\"\r\n\r\n");
        sb.append("--").append(boundary).append("\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
        sb.append("This is the mail system at ").append(hostname).append(".\r\n\r\n");
        sb.append("Your message was not delivered to these recipients:\r\n\r\n");
        refused.forEach((rcpt, r) -> sb.append("<").append(rcpt).append(">: ").append(r.code()).append(' ')
                .append(r.enhanced()).append(' ').append(r.text()).append("\r\n"));
        sb.append("\r\n--").append(boundary).append("\r\nContent-Type: message/delivery-status\r\n\r\n");
        sb.append("Reporting-MTA: dns; ").append(hostname).append("\r\n");
        sb.append("Arrival-Date: ").append(DATE.format(arrival)).append("\r\n");
        refused.forEach((rcpt, r) -> {
            sb.append("\r\nFinal-Recipient: rfc822; ").append(rcpt).append("\r\n");
            sb.append("Action: failed\r\n"); // RFC 3464 §2.3.3
            sb.append("Status: ").append(r.enhanced()).append("\r\n");
            sb.append("Diagnostic-Code: smtp; ").append(r.code()).append(' ').append(r.enhanced()).append(' ')
                    .append(r.text()).append("\r\n");
        });
        sb.append("\r\n--").append(boundary).append("\r\nContent-Type: text/rfc822-headers\r\n\r\n");
        String head = new String(originalHeader, StandardCharsets.UTF_8);
        int end = head.indexOf("\r\n\r\n");
        sb.append(end >= 0 ? head.substring(0, end + 2) : head);
        if (!sb.toString().endsWith("\r\n")) sb.append("\r\n");
        sb.append("\r\n--").append(boundary).append("--\r\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
