package org.tegami.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.tegami.mime.report.DeliveryReport;

/**
 * The delivery status notifications (RFC 3464) about local recipients, made when the message is stored: for
 * recipients a stage refused after others accepted the message (SMTP has one reply to DATA for all recipients,
 * RFC 5321 §3.3, so those are told by mail), and for recipients whose sender asked to hear of a successful delivery
 * (RFC 3461 §5.2.2, {@code Action: delivered}). Either quotes the original's header section.
 */
public final class LocalNotice {
    private LocalNotice() {}

    /**
     * The notice of refused recipients to {@code sender} (a non-empty reverse path; RFC 5321 §6.1: never to the
     * null sender).
     *
     * @param orcpt    the ORCPT each forward-path was given with, if any (RFC 3461 §6.3)
     * @param original the message as received (our Return-Path line skipped)
     * @param full     return the whole message (RET=FULL, RFC 3461 §4.3) rather than its header section
     */
    public static byte[] refused(String hostname, String sender, Optional<String> envid, Instant arrival,
                                 Map<String, Outcome.Refuse> refused,
                                 Function<String, Optional<DeliveryReport.OriginalRecipient>> orcpt,
                                 InputStream original, boolean full, Instant now) throws IOException {
        StringBuilder text = new StringBuilder("This is the mail system at ").append(hostname).append(".\n\n")
                .append("Your message was not delivered to these recipients:\n\n");
        List<DeliveryReport.Recipient> rcpts = new ArrayList<>();
        refused.forEach((rcpt, r) -> {
            String reply = r.code() + " " + r.enhanced() + " " + r.text();
            text.append('<').append(rcpt).append(">: ").append(reply).append('\n');
            rcpts.add(new DeliveryReport.Recipient(rcpt, orcpt.apply(rcpt), DeliveryReport.Action.FAILED, r.enhanced(),
                    null, reply, null));
        });
        return DeliveryReport.build(hostname, sender, envid, arrival, rcpts, text.toString(), original, full, now);
    }

    /**
     * RFC 3461 §5.2.2: NOTIFY=SUCCESS for a recipient whose mailbox here stored the message: {@code Action:
     * delivered}, or for an alias that went to several places {@code expanded} (§6.2.7.3); status 2.0.0.
     */
    public static byte[] delivered(String hostname, String sender, Optional<String> envid, Instant arrival,
                                   Map<String, DeliveryReport.Action> delivered,
                                   Function<String, Optional<DeliveryReport.OriginalRecipient>> orcpt,
                                   InputStream original, Instant now) throws IOException {
        StringBuilder text = new StringBuilder("This is the mail system at ").append(hostname).append(".\n\n")
                .append("Your message was delivered to the mailboxes of these recipients:\n\n");
        List<DeliveryReport.Recipient> rcpts = new ArrayList<>();
        delivered.forEach((rcpt, action) -> {
            text.append('<').append(rcpt).append(">: ").append(action == DeliveryReport.Action.EXPANDED
                    ? "delivered to the addresses it forwards to" : "delivered").append('\n');
            rcpts.add(new DeliveryReport.Recipient(rcpt, orcpt.apply(rcpt), action, "2.0.0", null, null, null));
        });
        return DeliveryReport.build(hostname, sender, envid, arrival, rcpts, text.toString(), original, false, now);
    }
}
