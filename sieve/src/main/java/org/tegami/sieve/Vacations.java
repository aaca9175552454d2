package org.tegami.sieve;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** Pure helpers for vacation (RFC 5230): whom not to answer (§4.5), and the reply's header and body (§5, RFC 3834). */
public final class Vacations {
    private static final Set<String> LIST_FIELDS = Set.of("list-id", "list-help", "list-subscribe", "list-unsubscribe",
            "list-post", "list-owner", "list-archive");
    private static final Set<String> RECIPIENT_FIELDS = Set.of("to", "cc", "bcc", "resent-to", "resent-cc", "resent-bcc");

    private Vacations() {}

    /**
     * Why no automatic reply may go to this message, or empty when one may.
     *
     * @param headers the message's header fields
     * @param sender  the envelope sender ({@code ""} for the null reverse-path)
     * @param mine    the user's addresses, the envelope recipient and {@code :addresses}
     */
    public static Optional<String> whyNot(List<HeaderField> headers, String sender, List<String> mine) {
        String s = sender.strip().toLowerCase(Locale.ROOT);
        // RFC 5230 §4.5 / RFC 3834 §2: never to the null sender or to a mailer or list robot
        if (s.isEmpty() || s.indexOf('@') < 0) return Optional.of("null sender");
        String local = s.substring(0, s.lastIndexOf('@'));
        if (local.equals("mailer-daemon") || local.equals("postmaster") || local.startsWith("owner-")
                || local.endsWith("-request") || local.equals("listserv") || local.equals("majordomo")
                || local.startsWith("bounce") || local.endsWith("-bounces")) {
            return Optional.of("sender is an automated address");
        }
        for (String m : mine) if (m.strip().equalsIgnoreCase(s)) return Optional.of("sender is the user");
        boolean addressed = false;
        for (HeaderField f : headers) {
            String name = f.name().toLowerCase(Locale.ROOT);
            String v = f.unfolded().toLowerCase(Locale.ROOT);
            // RFC 3834 §5: anything but "no" is an automatic message
            if (name.equals("auto-submitted") && !v.startsWith("no")) return Optional.of("Auto-Submitted: " + v);
            if (LIST_FIELDS.contains(name)) return Optional.of("list mail (" + f.name() + ")");
            if (name.equals("precedence") && (v.equals("bulk") || v.equals("list") || v.equals("junk"))) {
                return Optional.of("Precedence: " + v);
            }
            if (RECIPIENT_FIELDS.contains(name)) {
                for (String a : Addresses.parse(f.unfolded())) {
                    for (String m : mine) if (a.equalsIgnoreCase(m.strip())) addressed = true;
                }
            }
        }
        // RFC 5230 §4.5: only mail addressed to the user (or :addresses) is answered
        if (!addressed) return Optional.of("the user is not among the recipients");
        return Optional.empty();
    }

    /** RFC 5230 §4.2: without :handle, the arguments that make a reply distinct make the key. */
    static String defaultHandle(String reason, Optional<String> subject, Optional<String> from, boolean mime) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (String s : List.of(reason, subject.orElse("\0"), from.orElse("\0"), mime ? "1" : "0")) {
                d.update(s.getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
            }
            return "auto:" + HexFormat.of().formatHex(d.digest(), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An address field value: a non-ASCII display name is RFC 2047 encoded, the angle address is kept. */
    private static String address(String v) {
        String clean = v.replace('\r', ' ').replace('\n', ' ').strip();
        int lt = clean.lastIndexOf('<');
        if (lt <= 0 || clean.chars().allMatch(c -> c < 0x80)) return HeaderEdits.encode(clean, 6);
        return HeaderEdits.encode(clean.substring(0, lt).strip(), 6) + " " + HeaderEdits.encode(clean.substring(lt), 0);
    }

    /** Every line end as CRLF: a bare CR or LF could otherwise end a header field early. */
    private static String crlf(String s) {
        return s.replace("\r\n", "\n").replace('\r', '\n').replace("\n", "\r\n");
    }

    /** An automatic reply: header fields, then the body (CRLF line ends) already in the transfer encoding named. */
    public record Reply(List<HeaderField> headers, String body) {
        public byte[] toBytes() {
            StringBuilder b = new StringBuilder();
            for (HeaderField f : headers) b.append(f.toLines());
            b.append("\r\n").append(body);
            return b.toString().getBytes(StandardCharsets.UTF_8);
        }
    }

    /**
     * Builds the reply to send for a {@link Action.Vacation}. The agent sends it with the null reverse-path
     * (RFC 5230 §5.1 / RFC 3834 §3.3) to {@code vacation.recipient()}.
     *
     * @param original  the header of the message being answered
     * @param vacation  the action
     * @param user      the user's address, the default From
     * @param date      the Date of the reply
     * @param messageId the Message-ID of the reply, with angle brackets
     */
    public static Reply reply(List<HeaderField> original, Action.Vacation vacation, String user, ZonedDateTime date,
            String messageId) {
        String subject = null, origId = null, refs = null;
        for (HeaderField f : original) {
            String n = f.name().toLowerCase(Locale.ROOT);
            if (n.equals("subject") && subject == null) subject = f.decoded();
            if (n.equals("message-id") && origId == null) origId = f.unfolded();
            if (n.equals("references") && refs == null) refs = f.unfolded();
        }
        List<HeaderField> h = new ArrayList<>();
        h.add(new HeaderField("Date", " " + date.format(DateTimeFormatter.RFC_1123_DATE_TIME)));
        h.add(new HeaderField("From", " " + address(vacation.from().orElse(user))));
        h.add(new HeaderField("To", " " + HeaderEdits.encode(vacation.recipient(), 4)));
        // RFC 5230 §4.3: "Auto: " and the original subject unless :subject was given
        String subj = vacation.subject().orElse("Auto: " + (subject == null ? "" : subject));
        h.add(new HeaderField("Subject", " " + HeaderEdits.encode(subj, 9)));
        h.add(new HeaderField("Message-ID", " " + HeaderEdits.encode(messageId, 12)));
        // RFC 5230 §5.5: In-Reply-To and References point at the original
        if (origId != null && !origId.isEmpty()) {
            h.add(new HeaderField("In-Reply-To", " " + origId));
            h.add(new HeaderField("References", " " + (refs == null || refs.isEmpty() ? origId : refs + " " + origId)));
        }
        // RFC 3834 §5: marks the reply so other responders do not answer it
        h.add(new HeaderField("Auto-Submitted", " auto-replied"));
        h.add(new HeaderField("MIME-Version", " 1.0"));
        String body;
        if (vacation.mime()) {
            // RFC 5230 §4.4: the reason is a MIME entity: its header fields join ours
            String r = crlf(vacation.reason());
            int split = r.indexOf("\r\n\r\n");
            String head = split < 0 ? r : r.substring(0, split + 2);
            body = split < 0 ? "" : r.substring(split + 4);
            for (String line : head.split("\r\n(?![ \t])")) {
                int colon = line.indexOf(':');
                if (colon > 0 && HeaderEdits.validName(line.substring(0, colon))) {
                    h.add(new HeaderField(line.substring(0, colon), line.substring(colon + 1)));
                }
            }
        } else {
            String text = crlf(vacation.reason());
            if (!text.endsWith("\r\n")) text += "\r\n";
            boolean ascii = text.chars().allMatch(c -> c < 0x80);
            h.add(new HeaderField("Content-Type", " text/plain; charset=utf-8"));
            h.add(new HeaderField("Content-Transfer-Encoding", ascii ? " 7bit" : " base64"));
            body = ascii ? text : java.util.Base64.getMimeEncoder(76, new byte[] {'\r', '\n'})
                    .encodeToString(text.getBytes(StandardCharsets.UTF_8)) + "\r\n";
        }
        return new Reply(List.copyOf(h), body);
    }
}
