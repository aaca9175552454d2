package org.tegami.mime.report;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * A delivery status notification (RFC 3464) in a {@code multipart/report} (RFC 6522): a human explanation, the
 * {@code message/delivery-status} part with one group of fields per recipient, and the original message's header
 * section ({@code text/rfc822-headers}) or, when the sender asked for it (RFC 3461 §4.3 RET=FULL) and it is small
 * enough, the whole message ({@code message/rfc822}). Used for every notice the server makes: failures, delays,
 * successful deliveries, relays. Values come from the envelope (already checked: printable US-ASCII, RFC 3461 §4)
 * and our own status texts; CR and LF in any of them are flattened so no field can be injected.
 */
public final class DeliveryReport {
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.US).withZone(ZoneOffset.UTC);
    /** Headers of the original are enough to identify it; cap them so a notice stays small. */
    public static final int MAX_HEADER_BYTES = 64 * 1024;
    /** RET=FULL returns messages up to this size; a larger one comes back as its header section (RFC 3461 §4.3). */
    public static final int MAX_FULL_BYTES = 1024 * 1024;

    private DeliveryReport() {}

    /** RFC 3464 §2.3.3. */
    public enum Action {
        FAILED, DELAYED, DELIVERED, RELAYED, EXPANDED;

        String field() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One recipient's fields (RFC 3464 §2.3).
     *
     * @param finalRecipient    the address as we tried it (Final-Recipient, rfc822)
     * @param originalRecipient ORCPT as given: address type and address (Original-Recipient, §2.3.1)
     * @param status            the enhanced status code (RFC 3463), e.g. {@code 5.1.1}
     * @param remoteMta         the host that answered, or null
     * @param diagnostic        its reply (Diagnostic-Code: smtp), or null
     * @param willRetryUntil    for a delay, when we give up; else null
     */
    public record Recipient(String finalRecipient, Optional<OriginalRecipient> originalRecipient, Action action,
                            String status, String remoteMta, String diagnostic, Instant willRetryUntil) {}

    /** RFC 3464 §2.3.1: {@code address-type ";" generic-address}. */
    public record OriginalRecipient(String type, String address) {}

    /**
     * The notice.
     *
     * @param hostname  our name (Reporting-MTA, the From: address's domain)
     * @param to        the envelope sender it goes to
     * @param envid     the sender's ENVID (Original-Envelope-Id, RFC 3464 §2.2.1), or empty
     * @param arrival   when we received the message (Arrival-Date)
     * @param text      the human-readable part
     * @param original  the message as received, from its first header line; read up to what is returned
     * @param full      return the whole message (RET=FULL) rather than its header section
     */
    public static byte[] build(String hostname, String to, Optional<String> envid, Instant arrival,
                               List<Recipient> recipients, String text, InputStream original, boolean full, Instant now)
            throws IOException {
        boolean failure = recipients.stream().anyMatch(r -> r.action() == Action.FAILED);
        boolean delay = recipients.stream().anyMatch(r -> r.action() == Action.DELAYED);
        String boundary = "tegami-" + UUID.randomUUID();
        StringBuilder sb = new StringBuilder();
        sb.append("From: Mail Delivery System <MAILER-DAEMON@").append(hostname).append(">\r\n");
        sb.append("To: <").append(oneLine(to)).append(">\r\n");
        sb.append("Subject: ").append(failure ? "Undelivered Mail Returned to Sender"
                : delay ? "Delayed Mail (still being retried)" : "Successful Mail Delivery Report").append("\r\n");
        sb.append("Date: ").append(DATE.format(now)).append("\r\n");
        sb.append("Message-ID: <").append(UUID.randomUUID()).append('@').append(hostname).append(">\r\n");
        sb.append("Auto-Submitted: auto-replied\r\n"); // RFC 3834 §5
        sb.append("MIME-Version: 1.0\r\n");
        sb.append("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"").append(boundary).append("\"\r\n\r\n");
        sb.append("--").append(boundary).append("\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
        sb.append(text.replace("\r\n", "\n").replace("\n", "\r\n"));
        if (!text.endsWith("\n")) sb.append("\r\n");
        sb.append("\r\n--").append(boundary).append("\r\nContent-Type: message/delivery-status\r\n\r\n");
        envid.ifPresent(e -> sb.append("Original-Envelope-Id: ").append(oneLine(e)).append("\r\n")); // RFC 3464 §2.2.1
        sb.append("Reporting-MTA: dns; ").append(hostname).append("\r\n");
        sb.append("Arrival-Date: ").append(DATE.format(arrival)).append("\r\n");
        for (Recipient r : recipients) {
            sb.append("\r\n");
            // RFC 3461 §6.3 / RFC 3464 §2.3.1: the ORCPT as the sender gave it
            r.originalRecipient().ifPresent(o -> sb.append("Original-Recipient: ").append(oneLine(o.type())).append(';')
                    .append(oneLine(o.address())).append("\r\n"));
            sb.append("Final-Recipient: rfc822; ").append(oneLine(r.finalRecipient())).append("\r\n");
            sb.append("Action: ").append(r.action().field()).append("\r\n");
            sb.append("Status: ").append(r.status()).append("\r\n");
            if (r.remoteMta() != null) sb.append("Remote-MTA: dns; ").append(oneLine(r.remoteMta())).append("\r\n");
            if (r.diagnostic() != null) sb.append("Diagnostic-Code: smtp; ").append(oneLine(r.diagnostic())).append("\r\n");
            if (r.willRetryUntil() != null) sb.append("Will-Retry-Until: ").append(DATE.format(r.willRetryUntil())).append("\r\n");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        // RFC 3461 §4.3: RET applies to failure notices; a notice without a failure returns the headers only
        byte[] whole = full && failure ? original.readNBytes(MAX_FULL_BYTES + 1) : null;
        if (whole != null && whole.length <= MAX_FULL_BYTES) {
            out.write(("\r\n--" + boundary + "\r\nContent-Type: message/rfc822\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(whole);
            if (whole.length > 0 && whole[whole.length - 1] != '\n') out.write(new byte[] {'\r', '\n'});
        } else {
            out.write(("\r\n--" + boundary + "\r\nContent-Type: text/rfc822-headers\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(headers(whole != null ? new java.io.ByteArrayInputStream(whole) : original));
        }
        out.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /** The header section of the original, up to and including its blank line, at most {@link #MAX_HEADER_BYTES}. */
    static byte[] headers(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int prev = -1, prev2 = -1, b;
        while (out.size() < MAX_HEADER_BYTES && (b = in.read()) >= 0) {
            out.write(b);
            if (b == '\n' && prev == '\r' && prev2 == '\n') break;
            prev2 = prev;
            prev = b;
        }
        return out.toByteArray();
    }

    private static String oneLine(String s) {
        return s.replaceAll("[\\r\\n]+", " ");
    }
}
