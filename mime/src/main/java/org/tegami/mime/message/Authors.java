package org.tegami.mime.message;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.tegami.mime.EmailAddress;

/**
 * Reads the author fields of a header section (RFC 5322 §3.6.2 From: and Sender:) strictly, for the submission
 * check: whatever another reader could take differently (a line that is not a field, two From: fields, text the
 * lenient address parser would skip) is a problem rather than a guess.
 */
public final class Authors {

    /** What the header section says about its authors. */
    public sealed interface Result {}

    /** Exactly one From: field with at least one address, and at most one Sender: field (empty when absent). */
    public record Found(List<EmailAddress> from, List<EmailAddress> sender) implements Result {
        public Found {
            from = List.copyOf(from);
            sender = List.copyOf(sender);
        }
    }

    /** Why the authors cannot be read; {@code fields} counts From: fields for {@link Kind#MANY_FROM}. */
    public record Problem(Kind kind, int fields) implements Result {}

    /** The kinds of {@link Problem}. */
    public enum Kind { NOT_A_FIELD, NO_FROM, MANY_FROM, MANY_SENDER, FROM_EMPTY, FROM_UNREADABLE, SENDER_UNREADABLE }

    private Authors() {}

    /**
     * @param header the header section without the empty line that ends it, lines ending in CRLF (bytes
     *               {@code 0} to {@code length})
     */
    public static Result read(byte[] header, int length) {
        List<String> from = new ArrayList<>();
        List<String> sender = new ArrayList<>();
        List<String> current = null; // where the field being unfolded goes, or null for a field we ignore
        StringBuilder value = null;
        int i = 0;
        boolean any = false;
        while (i < length) {
            int end = i;
            while (end < length && header[end] != '\r') end++;
            int next = Math.min(length, end + 2); // past CRLF: the sink lets only CRLF line ends through
            if (header[i] == ' ' || header[i] == '\t') {
                // RFC 5322 §2.2.3: unfolding removes the CRLF before white space
                if (!any) return new Problem(Kind.NOT_A_FIELD, 0);
                if (value != null) value.append(new String(header, i, end - i, StandardCharsets.UTF_8));
            } else {
                if (value != null) current.add(value.toString());
                int colon = i;
                while (colon < end && header[colon] != ':') colon++;
                int nameEnd = colon;
                // RFC 5322 §4.5.1 obs-optional: white space before the colon still makes a field
                while (nameEnd > i && (header[nameEnd - 1] == ' ' || header[nameEnd - 1] == '\t')) nameEnd--;
                if (colon == end || nameEnd == i || !printable(header, i, nameEnd)) return new Problem(Kind.NOT_A_FIELD, 0);
                String name = new String(header, i, nameEnd - i, StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
                current = switch (name) {
                    case "from" -> from;
                    case "sender" -> sender;
                    default -> null;
                };
                value = current == null ? null : new StringBuilder(new String(header, colon + 1, end - colon - 1, StandardCharsets.UTF_8));
                any = true;
            }
            i = next;
        }
        if (value != null) current.add(value.toString());
        // RFC 5322 §3.6: exactly one From:, at most one Sender:
        if (from.isEmpty()) return new Problem(Kind.NO_FROM, 0);
        if (from.size() > 1) return new Problem(Kind.MANY_FROM, from.size());
        if (sender.size() > 1) return new Problem(Kind.MANY_SENDER, sender.size());
        Optional<List<EmailAddress>> authors = addresses(from.getFirst());
        if (authors.isEmpty()) return new Problem(Kind.FROM_UNREADABLE, 1);
        if (authors.get().isEmpty()) return new Problem(Kind.FROM_EMPTY, 1);
        List<EmailAddress> senders = List.of();
        if (!sender.isEmpty()) {
            Optional<List<EmailAddress>> s = addresses(sender.getFirst());
            if (s.isEmpty() || s.get().size() != 1) return new Problem(Kind.SENDER_UNREADABLE, 1);
            senders = s.get();
        }
        return new Found(authors.get(), senders);
    }

    /** The addresses of a field value, group members included (RFC 6854); empty when any is unreadable. */
    private static Optional<List<EmailAddress>> addresses(String value) {
        boolean[] irregular = new boolean[1];
        List<AddressListParser.Address> parsed = AddressListParser.parse(value, irregular);
        if (irregular[0]) return Optional.empty();
        List<EmailAddress> out = new ArrayList<>();
        for (AddressListParser.Address a : parsed) {
            if (a.host() == null) continue; // group start or end
            if (a.mailbox().equals(AddressListParser.MISSING_MAILBOX) || a.host().equals(AddressListParser.MISSING_DOMAIN)) {
                return Optional.empty();
            }
            Optional<EmailAddress> e = EmailAddress.parse(a.mailbox() + "@" + a.host());
            if (e.isEmpty()) return Optional.empty();
            out.add(e.get());
        }
        return Optional.of(out);
    }

    private static boolean printable(byte[] b, int from, int to) {
        for (int x = from; x < to; x++) {
            if (b[x] < 33 || b[x] > 126) return false; // RFC 5322 §3.6.8 ftext
        }
        return true;
    }
}
