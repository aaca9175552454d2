package org.tegami.queue;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.tegami.mime.report.DeliveryReport;
import org.tegami.store.EnvelopeParams;

/**
 * The delivery status notifications (RFC 3464) the queue sends the envelope sender: failures, delays and relays to
 * a next hop that does not speak DSN, with the sender's DSN parameters honoured (RFC 3461 §6: ENVID, ORCPT, RET).
 * Which recipients appear is the caller's choice (NOTIFY, RFC 3461 §4.1).
 */
final class Bounce {
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.US).withZone(ZoneOffset.UTC);

    private Bounce() {}

    /** A failure notice (Action: failed); the original returned as the sender's RET asks. */
    static byte[] failed(String hostname, String sender, Instant arrival, EnvelopeParams params,
                         Map<String, DeliveryStatus.PermFailed> failed, InputStream original, Instant now) throws IOException {
        StringBuilder text = intro(hostname).append("Your message could not be delivered to one or more recipients:\n\n");
        List<DeliveryReport.Recipient> rcpts = new ArrayList<>();
        failed.forEach((rcpt, f) -> {
            text.append('<').append(rcpt).append(">: ").append(oneLine(f.reason())).append('\n');
            rcpts.add(new DeliveryReport.Recipient(rcpt, orcpt(params, rcpt), DeliveryReport.Action.FAILED, status(f.reason()),
                    f.remoteHost(), oneLine(f.reason()), null));
        });
        // RFC 3461 §4.3: without RET the choice is ours: the header section, as always. RFC 8689 §5: the content of
        // a REQUIRETLS message never goes back, as the path of the notice is not the sender's choice
        boolean full = params.ret().orElse(EnvelopeParams.Ret.HDRS) == EnvelopeParams.Ret.FULL && !params.requireTls();
        return DeliveryReport.build(hostname, sender, params.envid(), arrival, rcpts, text.toString(), original, full, now);
    }

    /**
     * A delay notice (Action: delayed, RFC 3464 §2.3.3): the server keeps trying and says until when.
     */
    static byte[] delayed(String hostname, String sender, Instant arrival, EnvelopeParams params,
                          Map<String, DeliveryStatus.PermFailed> late, InputStream original, Instant now,
                          Instant retryUntil) throws IOException {
        StringBuilder text = intro(hostname).append("Your message has not been delivered yet to the recipients below. This is a warning only: the server\n"
                + "keeps trying until ").append(DATE.format(retryUntil)).append(" and tells you if it gives up.\n\n");
        List<DeliveryReport.Recipient> rcpts = new ArrayList<>();
        late.forEach((rcpt, f) -> {
            text.append('<').append(rcpt).append(">: ").append(oneLine(f.reason())).append('\n');
            rcpts.add(new DeliveryReport.Recipient(rcpt, orcpt(params, rcpt), DeliveryReport.Action.DELAYED,
                    "4" + status(f.reason()).substring(1), f.remoteHost(), oneLine(f.reason()), retryUntil));
        });
        return DeliveryReport.build(hostname, sender, params.envid(), arrival, rcpts, text.toString(), original, false, now);
    }

    /**
     * RFC 3461 §5.2.3 / RFC 3464 §2.3.3: NOTIFY=SUCCESS for a recipient accepted by a next hop that does not support
     * DSN (so it will not report the delivery): {@code Action: relayed}.
     */
    static byte[] relayed(String hostname, String sender, Instant arrival, EnvelopeParams params,
                          Map<String, DeliveryStatus.Delivered> relayed, InputStream original, Instant now) throws IOException {
        StringBuilder text = intro(hostname).append("Your message was relayed to the recipients below. Their mail servers do not\n"
                + "report delivery, so this is the last notice you get about them:\n\n");
        List<DeliveryReport.Recipient> rcpts = new ArrayList<>();
        relayed.forEach((rcpt, d) -> {
            text.append('<').append(rcpt).append(">: relayed to ").append(d.host()).append('\n');
            rcpts.add(new DeliveryReport.Recipient(rcpt, orcpt(params, rcpt), DeliveryReport.Action.RELAYED, "2.0.0",
                    d.host(), oneLine(d.reply()), null));
        });
        return DeliveryReport.build(hostname, sender, params.envid(), arrival, rcpts, text.toString(), original, false, now);
    }

    private static StringBuilder intro(String hostname) {
        return new StringBuilder("This is the mail system at ").append(hostname).append(".\n\n");
    }

    private static Optional<DeliveryReport.OriginalRecipient> orcpt(EnvelopeParams params, String rcpt) {
        EnvelopeParams.Rcpt r = params.recipient(rcpt);
        return r.orcpt().map(a -> new DeliveryReport.OriginalRecipient(r.orcptType().orElseThrow(), a));
    }

    /** The enhanced status code in a reply ("550 5.1.1 ..." → 5.1.1), else 5.0.0. */
    static String status(String reply) {
        var m = java.util.regex.Pattern.compile("\\b([245]\\.\\d{1,3}\\.\\d{1,3})\\b").matcher(reply);
        return m.find() ? "5" + m.group(1).substring(1) : "5.0.0";
    }

    private static String oneLine(String s) {
        return s.replaceAll("[\\r\\n]+", " ");
    }
}
