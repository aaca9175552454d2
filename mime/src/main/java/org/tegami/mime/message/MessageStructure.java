package org.tegami.mime.message;

import java.io.ByteArrayOutputStream;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parsed MIME tree of one message, immutable and safe to share between threads; compute once and cache it.
 * It holds offsets and header values only, not the message bytes: {@link #section} takes the raw bytes again.
 */
public final class MessageStructure {

    private final Part root;

    private MessageStructure(Part root) {
        this.root = root;
    }

    /** Parses raw RFC 5322 bytes; never throws on any content (RFC 2045 §5.2 defaults for what is missing or invalid). */
    public static MessageStructure parse(byte[] raw) {
        return new MessageStructure(MimeParser.parse(raw == null ? new byte[0] : raw));
    }

    /**
     * RFC 9051 §7.5.2 ENVELOPE, e.g. {@code ("date" "subject" (("name" NIL "mbox" "host")) ... NIL "<id>")}.
     * {@code string} encodes a non-NIL string (quoted or literal). Header values are unfolded but not
     * RFC 2047-decoded; missing fields are NIL; sender and reply-to default to from.
     */
    public String envelope(Function<String, String> string) {
        StringBuilder sb = new StringBuilder();
        envelope(root, string, sb);
        return sb.toString();
    }

    /**
     * RFC 9051 §7.5.2 BODYSTRUCTURE ({@code extensible}, with md5/disposition/language/location) or BODY.
     * Media types and encodings are upper-case, parameter names lower-case, values and the disposition type as written
     * (Dovecot's output); a text part without charset gets {@code ("charset" "us-ascii")} (RFC 2045 §5.2).
     */
    public String bodyStructure(boolean extensible, Function<String, String> string) {
        StringBuilder sb = new StringBuilder();
        body(root, extensible, string, sb);
        return sb.toString();
    }

    /** The Date: field's calendar date as written, in its own zone (RFC 9051 §6.4.4 SENTON etc.); empty if absent or unparseable. */
    public Optional<LocalDate> sentDate() {
        return parseDate(root.value("date"));
    }

    /**
     * RFC 9051 §6.4.5 section extraction. {@code part} is empty for the whole message or the part path
     * (1-based); {@code text} is "", "HEADER", "TEXT", "MIME", "HEADER.FIELDS" or "HEADER.FIELDS.NOT"
     * (case-insensitive), {@code fields} the field names for the last two. Empty when the part does not exist
     * or MIME is asked of the whole message, and for HEADER, TEXT and HEADER.FIELDS of a part that is not
     * message/rfc822 (answered NIL, as Dovecot does). For a part of a single-part message, MIME is the message header.
     */
    public Optional<byte[]> section(byte[] raw, List<Integer> part, String text, List<String> fields) {
        String t = text == null ? "" : text.toUpperCase(Locale.ROOT);
        Part p = root;
        Part msg = root;  // the message HEADER/TEXT refer to
        if (!part.isEmpty()) {
            p = find(part);
            if (p == null) return Optional.empty();
            msg = p.message;
        }
        if (t.equals("")) {
            return Optional.of(part.isEmpty() ? slice(raw, root.start, root.end) : slice(raw, p.bodyStart, p.end));
        }
        if (t.equals("MIME")) {
            return part.isEmpty() ? Optional.empty() : Optional.of(slice(raw, p.start, p.bodyStart));
        }
        if (msg == null) return Optional.empty();  // HEADER/TEXT of a part that is not message/rfc822: NIL
        return switch (t) {
            case "HEADER" -> Optional.of(slice(raw, msg.start, msg.bodyStart));
            case "TEXT" -> Optional.of(slice(raw, msg.bodyStart, msg.end));
            case "HEADER.FIELDS" -> Optional.of(headerFields(raw, msg, fields, true));
            case "HEADER.FIELDS.NOT" -> Optional.of(headerFields(raw, msg, fields, false));
            default -> Optional.empty();
        };
    }

    /**
     * The unfolded value of the first top-level header field of that name (case-insensitive), undecoded, for
     * IMAP SORT and THREAD (RFC 5256), which need Subject, From, To, Cc, Date, Message-ID and References.
     */
    public Optional<String> header(String name) {
        return Optional.ofNullable(root.value(name.toLowerCase(Locale.ROOT)));
    }

    /**
     * A part's media type in lower case ({@code multipart/report}); the whole message for an empty path. Empty when
     * the part does not exist.
     */
    public Optional<String> mediaType(List<Integer> part) {
        Part p = part.isEmpty() ? root : find(part);
        return p == null ? Optional.empty() : Optional.of((p.type + "/" + p.subtype).toLowerCase(Locale.ROOT));
    }

    /** A Content-Type parameter of a part (name case-insensitive), as written; the message's for an empty path. */
    public Optional<String> parameter(List<Integer> part, String name) {
        Part p = part.isEmpty() ? root : find(part);
        return p == null ? Optional.empty() : Optional.ofNullable(p.param(name));
    }

    /** How many parts a multipart part has (the message itself for an empty path); 0 for any other part. */
    public int parts(List<Integer> part) {
        Part p = part.isEmpty() ? root : find(part);
        return p == null || !p.multipart ? 0 : p.children.size();
    }

    /** A part's content with its transfer encoding removed (RFC 3516), or the encoding was not one we can undo. */
    public record Binary(byte[] data, boolean unknownEncoding) {}

    /**
     * RFC 3516 §4.2 BINARY[part]: the whole message for an empty part, otherwise the part's body decoded from
     * base64 or quoted-printable (7bit, 8bit and binary are returned as they are; multiparts and embedded
     * messages too, as their encoding must be an identity). Empty when the part does not exist.
     */
    public Optional<Binary> binary(byte[] raw, List<Integer> part) {
        if (part.isEmpty()) return Optional.of(new Binary(slice(raw, root.start, root.end), false));
        Part p = find(part);
        if (p == null) return Optional.empty();
        byte[] body = slice(raw, p.bodyStart, p.end);
        if (p.multipart || p.message != null) return Optional.of(new Binary(body, false));
        String enc = p.encoding.strip().toUpperCase(Locale.ROOT);
        java.io.InputStream in = new java.io.ByteArrayInputStream(body);
        switch (enc) {
            case "7BIT", "8BIT", "BINARY" -> {
                return Optional.of(new Binary(body, false));
            }
            case "BASE64" -> in = new org.apache.james.mime4j.codec.Base64InputStream(in,
                    org.apache.james.mime4j.codec.DecodeMonitor.SILENT);
            case "QUOTED-PRINTABLE" -> in = new org.apache.james.mime4j.codec.QuotedPrintableInputStream(in,
                    org.apache.james.mime4j.codec.DecodeMonitor.SILENT);
            default -> {
                return Optional.of(new Binary(new byte[0], true));
            }
        }
        try (java.io.InputStream decoded = in) {
            return Optional.of(new Binary(decoded.readAllBytes(), false)); // never larger than the encoded body
        } catch (java.io.IOException e) {
            return Optional.of(new Binary(new byte[0], true));
        }
    }

    /** Number of MIME parts in the tree (for tests and limits). */
    int partCount() {
        return count(root);
    }

    private static int count(Part p) {
        int n = 1;
        for (Part c : p.children) n += count(c);
        if (p.message != null) n += count(p.message);
        return n;
    }

    Part root() {
        return root;
    }

    // RFC 9051 §6.4.5: a non-multipart message has a part 1 (its body); the parts of a message/rfc822
    // are the parts of the embedded message. Dovecot also answers "1" below any non-multipart part with the part itself.
    private Part find(List<Integer> path) {
        Part p = root;
        for (int i = 0; i < path.size(); i++) {
            Integer n = path.get(i);
            if (n == null || n < 1) return null;
            if (i > 0 && p.message != null) p = p.message;
            if (p.multipart) {
                if (n > p.children.size()) return null;
                p = p.children.get(n - 1);
            } else if (n != 1) {
                return null;
            }
        }
        return p;
    }

    private static byte[] slice(byte[] raw, int from, int to) {
        int f = Math.min(from, raw.length);
        int t = Math.max(f, Math.min(to, raw.length));
        return Arrays.copyOfRange(raw, f, t);
    }

    private static byte[] headerFields(byte[] raw, Part msg, List<String> names, boolean include) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Part.Field f : msg.fields) {
            boolean listed = false;
            for (String n : names) {
                if (n.toLowerCase(Locale.ROOT).equals(f.name())) {
                    listed = true;
                    break;
                }
            }
            if (listed == include) {
                byte[] line = slice(raw, f.start(), f.end());
                out.write(line, 0, line.length);
                if (line.length > 0 && line[line.length - 1] != '\n') out.write(new byte[] {'\r', '\n'}, 0, 2);
            }
        }
        out.write('\r');
        out.write('\n');
        return out.toByteArray();
    }

    // ---- ENVELOPE ----

    private static void envelope(Part m, Function<String, String> s, StringBuilder sb) {
        List<AddressListParser.Address> from = addresses(m, "from");
        List<AddressListParser.Address> sender = addresses(m, "sender");
        List<AddressListParser.Address> replyTo = addresses(m, "reply-to");
        sb.append('(');
        nstring(m.value("date"), s, sb);
        sb.append(' ');
        nstring(m.value("subject"), s, sb);
        sb.append(' ');
        addressList(from, s, sb);
        sb.append(' ');
        addressList(sender.isEmpty() ? from : sender, s, sb);
        sb.append(' ');
        addressList(replyTo.isEmpty() ? from : replyTo, s, sb);
        sb.append(' ');
        addressList(addresses(m, "to"), s, sb);
        sb.append(' ');
        addressList(addresses(m, "cc"), s, sb);
        sb.append(' ');
        addressList(addresses(m, "bcc"), s, sb);
        sb.append(' ');
        nstring(m.value("in-reply-to"), s, sb);
        sb.append(' ');
        nstring(m.value("message-id"), s, sb);
        sb.append(')');
    }

    private static List<AddressListParser.Address> addresses(Part m, String field) {
        String v = m.value(field);
        return v == null ? List.of() : AddressListParser.parse(v);
    }

    private static void addressList(List<AddressListParser.Address> list, Function<String, String> s, StringBuilder sb) {
        if (list.isEmpty()) {
            sb.append("NIL");
            return;
        }
        sb.append('(');
        for (AddressListParser.Address a : list) {
            sb.append('(');
            nstring(a.name(), s, sb);
            sb.append(' ');
            nstring(a.adl(), s, sb);
            sb.append(' ');
            nstring(a.mailbox(), s, sb);
            sb.append(' ');
            nstring(a.host(), s, sb);
            sb.append(')');
        }
        sb.append(')');
    }

    private static void nstring(String v, Function<String, String> s, StringBuilder sb) {
        sb.append(v == null ? "NIL" : s.apply(v));
    }

    // ---- BODYSTRUCTURE ----

    private static void body(Part p, boolean ext, Function<String, String> s, StringBuilder sb) {
        sb.append('(');
        if (p.multipart) {
            for (Part c : p.children) body(c, ext, s, sb);
            sb.append(' ').append(s.apply(p.subtype));
            if (ext) {
                sb.append(' ');
                params(p.params, s, sb);
                sb.append(' ');
                extension(p, s, sb);
            }
        } else {
            sb.append(s.apply(p.type)).append(' ').append(s.apply(p.subtype)).append(' ');
            params(p.params, s, sb);
            sb.append(' ');
            nstring(p.id, s, sb);
            sb.append(' ');
            nstring(p.description, s, sb);
            sb.append(' ').append(s.apply(p.encoding)).append(' ').append(p.bodySize());
            if (p.message != null) {
                sb.append(' ');
                envelope(p.message, s, sb);
                sb.append(' ');
                body(p.message, ext, s, sb);
                sb.append(' ').append(p.lines);
            } else if (p.isText()) {
                sb.append(' ').append(p.lines);
            }
            if (ext) {
                sb.append(' ');
                nstring(p.md5, s, sb);
                sb.append(' ');
                extension(p, s, sb);
            }
        }
        sb.append(')');
    }

    /** body-fld-dsp SP body-fld-lang SP body-fld-loc. */
    private static void extension(Part p, Function<String, String> s, StringBuilder sb) {
        if (p.dispositionType == null) {
            sb.append("NIL");
        } else {
            sb.append('(').append(s.apply(p.dispositionType)).append(' ');
            params(p.dispositionParams, s, sb);
            sb.append(')');
        }
        sb.append(' ');
        if (p.languages.isEmpty()) {
            sb.append("NIL");
        } else if (p.languages.size() == 1) {
            sb.append(s.apply(p.languages.getFirst()));
        } else {
            sb.append('(');
            for (int i = 0; i < p.languages.size(); i++) {
                if (i > 0) sb.append(' ');
                sb.append(s.apply(p.languages.get(i)));
            }
            sb.append(')');
        }
        sb.append(' ');
        nstring(p.location, s, sb);
    }

    private static void params(List<Part.Param> ps, Function<String, String> s, StringBuilder sb) {
        if (ps.isEmpty()) {
            sb.append("NIL");
            return;
        }
        sb.append('(');
        for (int i = 0; i < ps.size(); i++) {
            if (i > 0) sb.append(' ');
            sb.append(s.apply(ps.get(i).name())).append(' ').append(s.apply(ps.get(i).value()));
        }
        sb.append(')');
    }

    // ---- Date ----

    private static final Pattern DATE = Pattern.compile(
            "^\\s*(?:[A-Za-z]+\\s*,?\\s*)?(\\d{1,2})[\\s-]+([A-Za-z]{3})[A-Za-z]*\\.?[\\s-]+(\\d{2,4})(?!\\d)");
    private static final List<String> MONTHS =
            List.of("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec");

    /**
     * Each "(" up to the next ")" replaced by a space, as the regex {@code \([^)]*\)} did, in linear time: the
     * regex rescanned the rest of the header from every "(", so a Date of 300,000 of them took minutes (issue 12).
     * Also used for SORT's date keys.
     */
    public static String withoutComments(String v) {
        StringBuilder sb = new StringBuilder(v.length());
        int i = 0;
        while (i < v.length()) {
            int open = v.indexOf('(', i);
            int close = open < 0 ? -1 : v.indexOf(')', open);
            if (close < 0) { // no comment closes after here
                sb.append(v, i, v.length());
                break;
            }
            sb.append(v, i, open).append(' ');
            i = close + 1;
        }
        return sb.toString();
    }

    // RFC 5322 §3.3 date, and §4.3 obsolete 2- and 3-digit years; the zone is ignored because the
    // date as written is already the date in the sender's zone.
    static Optional<LocalDate> parseDate(String v) {
        if (v == null) return Optional.empty();
        Matcher m = DATE.matcher(withoutComments(v));
        if (!m.find()) return Optional.empty();
        int month = MONTHS.indexOf(m.group(2).toLowerCase(Locale.ROOT)) + 1;
        if (month == 0) return Optional.empty();
        int year = Integer.parseInt(m.group(3));
        if (m.group(3).length() == 2) year += year < 50 ? 2000 : 1900;
        else if (m.group(3).length() == 3) year += 1900;
        try {
            return Optional.of(LocalDate.of(year, month, Integer.parseInt(m.group(1))));
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }
}
