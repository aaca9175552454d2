package org.tegami.imap.message;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.james.mime4j.dom.address.Address;
import org.apache.james.mime4j.dom.address.AddressList;
import org.apache.james.mime4j.dom.address.Group;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.field.address.LenientAddressParser;
import org.tegami.mime.message.EncodedWords;
import org.tegami.mime.message.MessageStructure;
import org.tegami.mime.message.UnicodeCasemap;

/**
 * What SORT compares (RFC 5256 §3, RFC 5957): the sent date, the base subject and the first address of From, To
 * and Cc (mailbox local part, and the display name for DISPLAYFROM/DISPLAYTO), as i;unicode-casemap keys.
 */
public record SortKeys(Optional<Instant> date, String subject, String from, String to, String cc, String displayFrom,
        String displayTo, Optional<String> messageId, java.util.List<String> references, boolean replyOrForward) {

    /**
     * Longest key kept, in chars: enough to order any real subject or name, and it bounds what the cache (100,000
     * entries) and the blob index hold per message whatever the headers say (issue 12). Keys equal in their first
     * 512 chars sort, and ORDEREDSUBJECT threads them, as equal.
     */
    public static final int MAX_KEY = 512;
    /** Longest message id kept; real ones are under 100 characters, longer ones are ignored. */
    static final int MAX_ID = 250;
    /** Most characters of References kept: the last ids, the nearest ancestors, which THREAD links first. */
    static final int MAX_REFERENCES = 2048;
    /** The keys of a message whose headers could not be read: it sorts as having none. */
    public static final SortKeys EMPTY = new SortKeys(Optional.empty(), "", "", "", "", "", "", Optional.empty(),
            List.of(), false);
    private static final java.util.regex.Pattern MSG_ID = java.util.regex.Pattern.compile("<[^<>\\s]+>");
    private static final java.util.regex.Pattern SPACES = java.util.regex.Pattern.compile("\\s+");
    /** RFC 5322 §3.3 date-time after the optional day of week, with and without seconds, numeric or named zone. */
    private static final List<DateTimeFormatter> DATES = java.util.stream.Stream.of(
            "d MMM yyyy HH:mm:ss Z", "d MMM yyyy HH:mm Z", "d MMM yyyy HH:mm:ss z")
            .map(p -> DateTimeFormatter.ofPattern(p, Locale.ENGLISH)).toList();

    public static SortKeys of(MessageStructure h) {
        Optional<Instant> date = h.header("Date").flatMap(SortKeys::parseDate);
        String decoded = h.header("Subject").map(SortKeys::decode).orElse("");
        String subject = BaseSubject.of(decoded);
        boolean replyOrForward = !subject.equals(SPACES.matcher(decoded).replaceAll(" ").strip());
        Optional<Mailbox> from = first(h.header("From"));
        Optional<Mailbox> to = first(h.header("To"));
        Optional<Mailbox> cc = first(h.header("Cc"));
        // RFC 5256 §4 REFERENCES: the parents are the References ids, else the first In-Reply-To id
        java.util.List<String> refs = lastIds(h.header("References").orElse(""));
        if (refs.isEmpty()) refs = ids(h.header("In-Reply-To").orElse("")).stream().limit(1).toList();
        Optional<String> id = ids(h.header("Message-ID").orElse("")).stream().findFirst();
        return new SortKeys(date, fold(subject), fold(local(from)), fold(local(to)), fold(local(cc)),
                fold(display(from)), fold(display(to)), id, refs, replyOrForward);
    }

    public SortKeys {
        subject = cap(subject);
        from = cap(from);
        to = cap(to);
        cc = cap(cc);
        displayFrom = cap(displayFrom);
        displayTo = cap(displayTo);
    }

    private static String cap(String key) {
        return key.length() <= MAX_KEY ? key : key.substring(0, MAX_KEY);
    }

    /** The last ids that fit in {@link #MAX_REFERENCES} characters, in order; memory stays bounded meanwhile. */
    private static java.util.List<String> lastIds(String value) {
        java.util.ArrayDeque<String> last = new java.util.ArrayDeque<>();
        int chars = 0;
        var m = MSG_ID.matcher(value);
        while (m.find()) {
            if (m.end() - m.start() > MAX_ID) continue;
            last.addLast(m.group());
            chars += m.end() - m.start();
            while (chars > MAX_REFERENCES) chars -= last.pollFirst().length();
        }
        return java.util.List.copyOf(last);
    }

    private static java.util.List<String> ids(String value) {
        java.util.List<String> out = new java.util.ArrayList<>();
        var m = MSG_ID.matcher(value);
        while (m.find() && out.size() < 100) {
            if (m.end() - m.start() <= MAX_ID) out.add(m.group());
        }
        return out;
    }

    private static String decode(String v) {
        return EncodedWords.decode(v);
    }

    /**
     * RFC 5256 §3 leaves the comparator to RFC 5255; like Dovecot, keys are i;unicode-casemap (RFC 5051): "Émile"
     * sorts with the E's, "bob" ties "BOB" (and ties go by sequence number). The key does not depend on the locale.
     */
    private static String fold(String s) {
        return UnicodeCasemap.fold(s);
    }

    private static Optional<Mailbox> first(Optional<String> value) {
        if (value.isEmpty()) return Optional.empty();
        try {
            AddressList list = LenientAddressParser.DEFAULT.parseAddressList(value.get());
            for (Address a : list) {
                if (a instanceof Mailbox m) return Optional.of(m);
                if (a instanceof Group g && !g.getMailboxes().isEmpty()) return Optional.of(g.getMailboxes().get(0));
            }
        } catch (RuntimeException e) {
            // unparseable: sorts as empty
        }
        return Optional.empty();
    }

    private static String local(Optional<Mailbox> m) {
        return m.map(Mailbox::getLocalPart).orElse("");
    }

    /** RFC 5957 §2: the display name, or the addr-spec when there is none. */
    private static String display(Optional<Mailbox> m) {
        if (m.isEmpty()) return "";
        String name = m.get().getName();
        return name != null && !name.isBlank() ? decode(name).trim() : m.get().getAddress();
    }


    private static Optional<Instant> parseDate(String v) {
        String s = SPACES.matcher(org.tegami.mime.message.MessageStructure.withoutComments(v)).replaceAll(" ").trim(); // drop comments such as (UTC)
        int comma = s.indexOf(',');
        if (comma >= 0) s = s.substring(comma + 1).trim();
        for (DateTimeFormatter f : DATES) {
            try {
                return Optional.of(ZonedDateTime.parse(s, f).toInstant());
            } catch (DateTimeParseException e) {
                // try the next form
            }
        }
        return Optional.empty();
    }
}
