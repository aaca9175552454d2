package org.tegami.imap.message;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.james.mime4j.dom.address.Address;
import org.apache.james.mime4j.dom.address.AddressList;
import org.apache.james.mime4j.dom.address.Group;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.field.address.LenientAddressParser;
import org.apache.james.mime4j.stream.NameValuePair;
import org.apache.james.mime4j.stream.RawBody;

/**
 * The parsed MIME tree of one message (RFC 5322, RFC 2045-2046) and what IMAP derives from it: ENVELOPE,
 * BODYSTRUCTURE and BODY (RFC 9051 §7.5.2), section extraction for BODY[section] (§6.4.5) and the sent date for
 * SENT* searches. Immutable once parsed; never fails, whatever the input: malformed parts become leaves.
 */
public final class MessageStructure {
    private static final Pattern DATE = Pattern.compile(
            "(\\d{1,2})\\s+([A-Za-z]{3})[a-z]*\\s+(\\d{2,4})\\s+\\d{1,2}:\\d{2}");
    private static final List<String> MONTHS = List.of("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
            "oct", "nov", "dec");

    private final Part root;
    /** Body line counts by part, computed at parse time so the raw bytes need not be kept. */
    private final java.util.Map<Part, Integer> lines = new java.util.IdentityHashMap<>();

    private MessageStructure(Part root, byte[] raw) {
        this.root = root;
        count(root, raw);
    }

    private void count(Part p, byte[] raw) {
        lines.put(p, p.bodyLines(raw));
        for (Part c : p.children) count(c, raw);
        if (p.message != null) count(p.message, raw);
    }

    public static MessageStructure parse(byte[] raw) {
        return new MessageStructure(Part.parse(raw, 0, raw.length, false, 0, new Part.Budget()), raw);
    }

    /** RFC 9051 §7.5.2 ENVELOPE of the message; {@code string} encodes each non-NIL string. */
    public String envelope(Function<String, String> string) {
        return envelope(root, string);
    }

    private static String envelope(Part msg, Function<String, String> s) {
        Header h = msg.header;
        String from = addresses(h.get("From"), s);
        StringBuilder sb = new StringBuilder("(");
        sb.append(nstring(h.get("Date"), s)).append(' ');
        sb.append(nstring(h.get("Subject"), s)).append(' ');
        sb.append(from).append(' ');
        // RFC 9051 §7.5.2: sender and reply-to default to from
        String sender = addresses(h.get("Sender"), s);
        sb.append(sender.equals("NIL") ? from : sender).append(' ');
        String replyTo = addresses(h.get("Reply-To"), s);
        sb.append(replyTo.equals("NIL") ? from : replyTo).append(' ');
        sb.append(addresses(h.get("To"), s)).append(' ');
        sb.append(addresses(h.get("Cc"), s)).append(' ');
        sb.append(addresses(h.get("Bcc"), s)).append(' ');
        sb.append(nstring(h.get("In-Reply-To"), s)).append(' ');
        sb.append(nstring(h.get("Message-ID"), s));
        return sb.append(')').toString();
    }

    private static String nstring(Optional<String> v, Function<String, String> s) {
        return v.isEmpty() ? "NIL" : s.apply(v.get());
    }

    private static String nstring(String v, Function<String, String> s) {
        return v == null ? "NIL" : s.apply(v);
    }

    /** An address list, groups as RFC 9051 §7.5.2 describes; NIL when absent, empty or unparseable. */
    private static String addresses(Optional<String> value, Function<String, String> s) {
        if (value.isEmpty() || value.get().isBlank()) return "NIL";
        AddressList list;
        try {
            list = LenientAddressParser.DEFAULT.parseAddressList(value.get());
        } catch (RuntimeException e) {
            return "NIL";
        }
        StringBuilder sb = new StringBuilder("(");
        for (Address a : list) {
            if (a instanceof Mailbox m) {
                sb.append(mailbox(m, s));
            } else if (a instanceof Group g) {
                sb.append("(NIL NIL ").append(nstring(g.getName(), s)).append(" NIL)");
                for (Mailbox m : g.getMailboxes()) sb.append(mailbox(m, s));
                sb.append("(NIL NIL NIL NIL)");
            }
        }
        return sb.length() == 1 ? "NIL" : sb.append(')').toString();
    }

    private static String mailbox(Mailbox m, Function<String, String> s) {
        String name = m.getName() == null || m.getName().isEmpty() ? null : m.getName();
        String local = m.getLocalPart() == null || m.getLocalPart().isEmpty() ? null : m.getLocalPart();
        String domain = m.getDomain() == null || m.getDomain().isEmpty() ? null : m.getDomain();
        return "(" + nstring(name, s) + " NIL " + nstring(local, s) + " " + nstring(domain, s) + ")";
    }

    /** BODYSTRUCTURE ({@code extensible}) or BODY (RFC 9051 §7.5.2). */
    public String bodyStructure(boolean extensible, Function<String, String> string) {
        StringBuilder sb = new StringBuilder();
        body(root, extensible, string, sb);
        return sb.toString();
    }

    private void body(Part p, boolean ext, Function<String, String> s, StringBuilder sb) {
        sb.append('(');
        if (p.isMultipart()) {
            for (Part c : p.children) body(c, ext, s, sb);
            sb.append(' ').append(s.apply(p.subtype.toUpperCase(Locale.ROOT)));
            if (ext) {
                sb.append(' ').append(params(p.params, s));
                sb.append(' ').append(disposition(p, s));
                sb.append(' ').append(language(p, s));
                sb.append(' ').append(nstring(p.header.get("Content-Location"), s));
            }
            sb.append(')');
            return;
        }
        boolean emptyMultipart = p.type.equals("multipart"); // no parts found: shown as an empty text part
        String type = emptyMultipart ? "text" : p.type;
        String subtype = emptyMultipart ? "plain" : p.subtype;
        List<NameValuePair> params = emptyMultipart ? List.of(new NameValuePair("charset", "us-ascii")) : p.params;
        sb.append(s.apply(type.toUpperCase(Locale.ROOT))).append(' ').append(s.apply(subtype.toUpperCase(Locale.ROOT)));
        sb.append(' ').append(params(params, s));
        sb.append(' ').append(nstring(p.header.get("Content-ID"), s));
        sb.append(' ').append(nstring(p.header.get("Content-Description"), s));
        sb.append(' ').append(s.apply(p.encoding().toUpperCase(Locale.ROOT)));
        sb.append(' ').append(p.end - p.bodyStart);
        if (p.isMessage()) {
            sb.append(' ').append(envelope(p.message, s)).append(' ');
            body(p.message, ext, s, sb);
            sb.append(' ').append(lines.get(p));
        } else if (type.equals("text")) {
            sb.append(' ').append(lines.get(p));
        }
        if (ext) {
            sb.append(' ').append(nstring(p.header.get("Content-MD5"), s));
            sb.append(' ').append(disposition(p, s));
            sb.append(' ').append(language(p, s));
            sb.append(' ').append(nstring(p.header.get("Content-Location"), s));
        }
        sb.append(')');
    }

    private static String params(List<NameValuePair> params, Function<String, String> s) {
        StringBuilder sb = new StringBuilder();
        for (NameValuePair p : params) {
            if (p.getName() == null || p.getName().isEmpty()) continue;
            sb.append(sb.isEmpty() ? "(" : " ").append(s.apply(p.getName().toLowerCase(Locale.ROOT))).append(' ')
                    .append(s.apply(p.getValue() == null ? "" : p.getValue()));
        }
        return sb.isEmpty() ? "NIL" : sb.append(')').toString();
    }

    private static String disposition(Part p, Function<String, String> s) {
        Optional<String> d = p.header.get("Content-Disposition");
        if (d.isEmpty()) return "NIL";
        RawBody b = Part.parseValue(d.get());
        if (b.getValue() == null || b.getValue().isBlank()) return "NIL";
        return "(" + s.apply(b.getValue().trim().toLowerCase(Locale.ROOT)) + " " + params(b.getParams(), s) + ")";
    }

    private static String language(Part p, Function<String, String> s) {
        Optional<String> l = p.header.get("Content-Language");
        if (l.isEmpty() || l.get().isBlank()) return "NIL";
        StringBuilder sb = new StringBuilder("(");
        for (String tag : l.get().split(",")) {
            if (tag.isBlank()) continue;
            if (sb.length() > 1) sb.append(' ');
            sb.append(s.apply(tag.trim()));
        }
        return sb.length() == 1 ? "NIL" : sb.append(')').toString();
    }

    /** The Date header's calendar day as written (its own zone), for SENTBEFORE/SENTON/SENTSINCE. */
    public Optional<LocalDate> sentDate() {
        Optional<String> d = root.header.get("Date");
        if (d.isEmpty()) return Optional.empty();
        Matcher m = DATE.matcher(d.get());
        if (!m.find()) return Optional.empty();
        int month = MONTHS.indexOf(m.group(2).toLowerCase(Locale.ROOT)) + 1;
        int year = Integer.parseInt(m.group(3));
        if (year < 50) year += 2000; // RFC 5322 §4.3 obsolete two-digit years
        else if (year < 1000) year += 1900;
        try {
            return month == 0 ? Optional.empty() : Optional.of(LocalDate.of(year, month, Integer.parseInt(m.group(1))));
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }

    /**
     * A section (RFC 9051 §6.4.5) of {@code raw}, the bytes this structure was parsed from. {@code text} is
     * {@code ""}, {@code HEADER}, {@code TEXT}, {@code MIME}, {@code HEADER.FIELDS} or {@code HEADER.FIELDS.NOT};
     * empty when the part does not exist.
     */
    public Optional<byte[]> section(byte[] raw, List<Integer> path, String text, List<String> fields) {
        Part target = root;
        boolean entered = false;
        for (int n : path) {
            Part m = entered && target.isMessage() ? target.message : target;
            if (m.isMultipart()) {
                if (n < 1 || n > m.children.size()) return Optional.empty();
                target = m.children.get(n - 1);
            } else if (n == 1) {
                target = m; // a non-multipart entity's only part is its body (RFC 9051 §6.4.5)
            } else {
                return Optional.empty();
            }
            entered = true;
        }
        Part msg = path.isEmpty() ? root : target.isMessage() ? target.message : null;
        return switch (text) {
            case "" -> Optional.of(path.isEmpty() ? slice(raw, root.start, root.end) : slice(raw, target.bodyStart, target.end));
            case "MIME" -> path.isEmpty() ? Optional.empty() : Optional.of(slice(raw, target.start, target.bodyStart));
            case "HEADER" -> msg == null ? Optional.empty() : Optional.of(slice(raw, msg.start, msg.bodyStart));
            case "TEXT" -> msg == null ? Optional.empty() : Optional.of(slice(raw, msg.bodyStart, msg.end));
            case "HEADER.FIELDS", "HEADER.FIELDS.NOT" -> msg == null ? Optional.empty()
                    : Optional.of(fields(raw, msg, fields, text.equals("HEADER.FIELDS")));
            default -> Optional.empty();
        };
    }

    private static byte[] slice(byte[] raw, int from, int to) {
        return java.util.Arrays.copyOfRange(raw, from, Math.max(from, to));
    }

    private static byte[] fields(byte[] raw, Part msg, List<String> names, boolean include) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (Header.Field f : msg.header.fields) {
            boolean listed = false;
            for (String n : names) listed |= n.equalsIgnoreCase(f.name());
            if (listed == include && !f.name().isEmpty()) {
                out.write(raw, f.start(), f.end() - f.start());
                if (raw[f.end() - 1] != '\n') out.writeBytes(new byte[] {'\r', '\n'});
            }
        }
        out.writeBytes(new byte[] {'\r', '\n'}); // RFC 9051 §6.4.5: the blank line that ends the header is included
        return out.toByteArray();
    }

    /** The top-level header, for SEARCH. */
    Header header() {
        return root.header;
    }

    Part root() {
        return root;
    }

    static List<Part> leaves(Part p, List<Part> out) {
        if (p.isMultipart()) for (Part c : p.children) leaves(c, out);
        else if (p.isMessage()) leaves(p.message, out);
        else out.add(p);
        return out;
    }

    static List<Part> leaves(Part p) {
        return leaves(p, new ArrayList<>());
    }
}
