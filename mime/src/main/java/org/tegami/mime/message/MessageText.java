package org.tegami.mime.message;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.james.mime4j.codec.Base64InputStream;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.QuotedPrintableInputStream;

/**
 * Decoded text of one message for IMAP SEARCH (RFC 9051 §6.4.4): case-insensitive substring matching over
 * RFC 2047-decoded header fields and over the decoded text/* parts. Immutable, thread-safe.
 * Case folding is i;unicode-casemap ({@link UnicodeCasemap}), so a Turkish default locale changes nothing.
 */
public final class MessageText {

    /** Decoded body text kept for searching, in chars. */
    static final int MAX_BODY_CHARS = 4 << 20;
    /** Decoded header text kept for searching, in chars. */
    static final int MAX_HEADER_CHARS = 1 << 20;

    /** A header field, its value decoded; folded on first use, since most searches look at one or two fields. */
    private static final class Header {
        final String name;
        private final String decoded;
        private String folded; // racy single-check: every thread computes the same value

        Header(String name, String decoded) {
            this.name = name;
            this.decoded = decoded;
        }

        String value() {
            String f = folded;
            if (f == null) folded = f = fold(decoded);
            return f;
        }
    }

    private final byte[] raw;
    private final List<Header> headers;
    private volatile String body;

    private MessageText(byte[] raw, List<Header> headers) {
        this.raw = raw;
        this.headers = headers;
    }

    /**
     * Decodes the message's header; the body is decoded and folded only when a body or text search asks for it (a
     * SEARCH FROM or SUBJECT pays for the header alone). Never throws on any content.
     */
    public static MessageText of(byte[] raw) {
        byte[] b = raw == null ? new byte[0] : raw;
        Part root = MimeParser.parse(Arrays.copyOf(b, headerEnd(b)));
        List<Header> headers = new ArrayList<>();
        int chars = 0;
        for (Part.Field f : root.fields) {
            String v = decodeWords(f.value());
            chars += v.length() + f.name().length();
            if (chars > MAX_HEADER_CHARS) break;
            headers.add(new Header(f.name(), v));
        }
        return new MessageText(b, List.copyOf(headers));
    }

    /** Where the header ends: after its empty line (RFC 5322 §2.1), or the whole message when it has none. */
    static int headerEnd(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] != '\n') continue;
            if (i + 1 < b.length && b[i + 1] == '\n') return i + 2;
            if (i + 2 < b.length && b[i + 1] == '\r' && b[i + 2] == '\n') return i + 3;
        }
        return b.length;
    }

    private String body() {
        String t = body;
        if (t == null) {
            StringBuilder sb = new StringBuilder();
            collect(raw, MimeParser.parse(raw), sb);
            body = t = fold(sb.toString());
        }
        return t;
    }

    /**
     * Whether a header field named {@code field} (case-insensitive) has an unfolded, RFC 2047-decoded value
     * containing {@code needle}; an empty needle matches any present field (RFC 9051 §6.4.4 HEADER).
     */
    public boolean header(String field, String needle) {
        String name = field.toLowerCase(Locale.ROOT);
        String n = null;
        for (Header h : headers) {
            if (!h.name.equals(name) || needle.length() > h.value().length()) continue;
            if (n == null) n = fold(needle);
            if (contains(h.value(), n)) return true;
        }
        return false;
    }

    /** Whether the decoded text/* parts (at any depth, also inside message/rfc822) contain {@code needle}. */
    public boolean body(String needle) {
        String body = body();
        return needle.length() <= body.length() && contains(body, fold(needle));
    }

    /** Whether any header field (name or value) or the body contains {@code needle} (RFC 9051 §6.4.4 TEXT). */
    public boolean text(String needle) {
        String n = fold(needle);
        for (Header h : headers) {
            if (contains(h.value(), n) || contains(fold(h.name + ": ") + h.value(), n)) return true;
        }
        return contains(body(), n);
    }

    /** Needles up to this long are left to {@link String#contains}, whose cost is this many times the text's. */
    static final int SHORT_NEEDLE = 16;

    /**
     * Whether {@code text} contains {@code needle}, in time linear in the text: {@link String#contains} compares up
     * to the whole needle at every position, so a 30,000-character needle costs minutes on a few MB of text. Longer
     * needles go through Knuth-Morris-Pratt. Folding never shortens a string, so a needle longer than the text is
     * out before anything is folded or built.
     */
    static boolean contains(String text, String needle) {
        int m = needle.length();
        if (m > text.length()) return false;
        if (m <= SHORT_NEEDLE) return text.contains(needle);
        int[] border = new int[m]; // border[i]: longest proper prefix of needle[0..i] that is also its suffix
        for (int i = 1, k = 0; i < m; i++) {
            while (k > 0 && needle.charAt(i) != needle.charAt(k)) k = border[k - 1];
            if (needle.charAt(i) == needle.charAt(k)) k++;
            border[i] = k;
        }
        for (int i = 0, k = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            while (k > 0 && c != needle.charAt(k)) k = border[k - 1];
            if (c == needle.charAt(k) && ++k == m) return true;
        }
        return false;
    }

    /** RFC 9051 §6.4.4 with RFC 5051: i;unicode-casemap, as Dovecot searches (É, é and e + U+0301 are equal). */
    private static String fold(String s) {
        return UnicodeCasemap.fold(s);
    }

    private static String decodeWords(String v) {
        return EncodedWords.decode(v); // RFC 2047 §6.1, leniently (RFC 2231 languages, unpadded base64)
    }

    /**
     * A message as a reader sees it, for content filters: header fields (names lower-cased, values RFC 2047-decoded
     * and unfolded) and each text part decoded from its transfer encoding and charset, HTML kept as HTML.
     *
     * @param parts text/* parts in order, at most {@code maxChars} chars in all
     */
    public record Readable(List<java.util.Map.Entry<String, String>> headers, List<TextPart> parts) {}

    /** One decoded text part; {@code html} for text/html. */
    public record TextPart(boolean html, String text) {}

    /** Decodes at most {@code maxChars} chars of text parts and of header values each; never throws on any content. */
    public static Readable readable(byte[] raw, int maxChars) {
        byte[] b = raw == null ? new byte[0] : raw;
        Part root = MimeParser.parse(b);
        List<java.util.Map.Entry<String, String>> headers = new ArrayList<>();
        int chars = 0;
        for (Part.Field f : root.fields) {
            String v = decodeWords(f.value()).replaceAll("\\r?\\n[ \\t]*", " ");
            chars += v.length() + f.name().length();
            if (chars > maxChars) break;
            headers.add(java.util.Map.entry(f.name(), v));
        }
        List<TextPart> parts = new ArrayList<>();
        collectParts(b, root, parts, new int[] {maxChars});
        return new Readable(List.copyOf(headers), List.copyOf(parts));
    }

    private static void collectParts(byte[] b, Part p, List<TextPart> out, int[] room) {
        if (room[0] <= 0) return;
        if (p.multipart) {
            for (Part c : p.children) collectParts(b, c, out, room);
        } else if (p.message != null) {
            collectParts(b, p.message, out, room);
        } else if (p.isText()) {
            String t = decode(b, p, room[0]);
            if (t.length() > room[0]) t = t.substring(0, room[0]);
            room[0] -= t.length();
            out.add(new TextPart(p.subtype.equals("HTML"), t));
        }
    }

    /** RFC 8970 §4: at most 200 characters of preview text. */
    static final int PREVIEW_CHARS = 200;

    /**
     * RFC 8970 PREVIEW: the start of the first text part (text/plain preferred, else text/html with its tags
     * removed), decoded, whitespace collapsed, at most 200 characters; empty when there is no text.
     */
    public static String preview(byte[] raw) {
        byte[] b = raw == null ? new byte[0] : raw;
        Part text = firstText(MimeParser.parse(b), "PLAIN");
        boolean html = false;
        if (text == null) {
            text = firstText(MimeParser.parse(b), "HTML");
            html = text != null;
        }
        if (text == null) return "";
        String t = decode(b, text, 64 * 1024);
        if (html) {
            t = stripHtml(t)
                    .replace("&nbsp;", " ").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
        }
        t = t.replaceAll("[\\s\\p{Cntrl}]+", " ").strip();
        if (t.codePointCount(0, t.length()) > PREVIEW_CHARS) t = t.substring(0, t.offsetByCodePoints(0, PREVIEW_CHARS));
        return t;
    }

    /**
     * Script and style elements, then every tag, each replaced by a space: what the regexes
     * {@code (?is)<(script|style)[^>]*>.*?</\1>} and {@code <[^>]*>} did, in linear time. Those rescanned the rest
     * of the text from every "<", so a part of unclosed tags took 20 s per PREVIEW (issue 12).
     */
    static String stripHtml(String t) {
        StringBuilder sb = new StringBuilder(t.length());
        // once an element has no end tag after some point, none after a later one has either: no second search
        int[] noEndAfter = {Integer.MAX_VALUE, Integer.MAX_VALUE};
        int i = 0;
        for (int lt = t.indexOf('<'); lt >= 0; lt = t.indexOf('<', lt + 1)) {
            int kind = t.regionMatches(true, lt + 1, "script", 0, 6) ? 0 : t.regionMatches(true, lt + 1, "style", 0, 5) ? 1 : -1;
            if (kind < 0 || lt >= noEndAfter[kind]) continue;
            String end = kind == 0 ? "</script>" : "</style>";
            int gt = t.indexOf('>', lt);
            int close = gt < 0 ? -1 : indexOfIgnoreCase(t, end, gt + 1);
            if (close < 0) {
                noEndAfter[kind] = lt;
                continue;
            }
            sb.append(t, i, lt).append(' ');
            i = close + end.length();
            lt = i - 1;
        }
        sb.append(t, i, t.length());
        String s = sb.toString();
        sb.setLength(0);
        i = 0;
        for (int lt = s.indexOf('<'); lt >= 0; lt = s.indexOf('<', i)) {
            int gt = s.indexOf('>', lt);
            if (gt < 0) break; // no tag closes after here
            sb.append(s, i, lt).append(' ');
            i = gt + 1;
        }
        return sb.append(s, i, s.length()).toString();
    }

    private static int indexOfIgnoreCase(String t, String what, int from) {
        for (int k = t.indexOf('<', from); k >= 0; k = t.indexOf('<', k + 1)) {
            if (t.regionMatches(true, k, what, 0, what.length())) return k;
        }
        return -1;
    }

    /** The first text part of this subtype, depth first (embedded messages included), or null. */
    private static Part firstText(Part p, String subtype) {
        if (p.multipart) {
            for (Part c : p.children) {
                Part found = firstText(c, subtype);
                if (found != null) return found;
            }
            return null;
        }
        if (p.message != null) return firstText(p.message, subtype);
        return p.isText() && p.subtype.equals(subtype) ? p : null;
    }

    private static void collect(byte[] b, Part p, StringBuilder sb) {
        if (sb.length() >= MAX_BODY_CHARS) return;
        if (p.multipart) {
            for (Part c : p.children) collect(b, c, sb);
        } else if (p.message != null) {
            collect(b, p.message, sb);
        } else if (p.isText()) {
            String t = decode(b, p, MAX_BODY_CHARS - sb.length());
            int room = MAX_BODY_CHARS - sb.length();
            sb.append(t, 0, Math.min(t.length(), room));
            // keep parts apart so a match cannot span two of them
            if (sb.length() < MAX_BODY_CHARS) sb.append('\n');
        }
    }

    private static String decode(byte[] b, Part p, int maxChars) {
        int from = Math.min(p.bodyStart, b.length);
        int to = Math.max(from, Math.min(p.end, b.length));
        InputStream in = new ByteArrayInputStream(b, from, to - from);
        String enc = p.encoding.strip().toLowerCase(Locale.ROOT);
        if (enc.equals("base64")) in = new Base64InputStream(in, DecodeMonitor.SILENT);
        else if (enc.equals("quoted-printable")) in = new QuotedPrintableInputStream(in, DecodeMonitor.SILENT);
        // a char never takes fewer than one byte in the charsets we meet, 4 bytes per char bounds UTF-32
        byte[] bytes = readBounded(in, (long) maxChars * 4);
        return charset(bytes, p.param("charset"));
    }

    private static byte[] readBounded(InputStream in, long max) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while (out.size() < max && (n = in.read(buf, 0, (int) Math.min(buf.length, max - out.size()))) != -1) {
                out.write(buf, 0, n);
            }
        } catch (Exception e) {
            // malformed encoding: search what was decoded so far
        }
        return out.toByteArray();
    }

    private static String charset(byte[] bytes, String name) {
        Charset cs = null;
        if (name != null && !name.isBlank() && !name.equalsIgnoreCase("us-ascii")) {
            try {
                cs = Charset.forName(name.strip());
            } catch (RuntimeException e) {
                cs = null;
            }
        }
        if (cs != null) return new String(bytes, cs);
        // unknown or missing charset (or us-ascii with 8-bit content): UTF-8, then ISO-8859-1
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }
}
