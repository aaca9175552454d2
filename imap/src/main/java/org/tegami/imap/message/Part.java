package org.tegami.imap.message;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.james.mime4j.stream.NameValuePair;
import org.apache.james.mime4j.stream.ParserCursor;
import org.apache.james.mime4j.stream.RawBody;
import org.apache.james.mime4j.stream.RawFieldParser;
import org.apache.james.mime4j.util.ContentUtil;

/**
 * One node of the MIME tree (RFC 2045, RFC 2046) with the byte offsets of its header and body in the raw message,
 * so sections are cut from the original octets. A message/rfc822 part holds the embedded message as its child.
 */
final class Part {
    /** Nesting beyond this is treated as an opaque leaf: bounded recursion whatever the input. */
    static final int MAX_DEPTH = 32;
    static final int MAX_PARTS = 10_000;

    final int start;
    /** Where the body starts: after the blank line, or {@code end} when there is none. */
    final int bodyStart;
    final int end;
    final Header header;
    final String type;
    final String subtype;
    final List<NameValuePair> params;
    final List<Part> children = new ArrayList<>();
    /** For message/rfc822: the embedded message (its own header and body). */
    Part message;

    private Part(int start, int bodyStart, int end, Header header, String type, String subtype, List<NameValuePair> params) {
        this.start = start;
        this.bodyStart = bodyStart;
        this.end = end;
        this.header = header;
        this.type = type;
        this.subtype = subtype;
        this.params = params;
    }

    boolean isMultipart() {
        return type.equals("multipart") && !children.isEmpty();
    }

    boolean isMessage() {
        return type.equals("message") && subtype.equals("rfc822") && message != null;
    }

    Optional<String> param(String name) {
        for (NameValuePair p : params) if (p.getName().equalsIgnoreCase(name)) return Optional.ofNullable(p.getValue());
        return Optional.empty();
    }

    String encoding() {
        return header.get("Content-Transfer-Encoding").map(e -> e.trim().toLowerCase(Locale.ROOT)).orElse("7bit");
    }

    /** Counts parts parsed so far, to bound the work on hostile input. */
    static final class Budget {
        int parts;
    }

    /**
     * Parses {@code raw[start, end)} as an entity: header, blank line, body. {@code digest} makes the default type
     * message/rfc822 (RFC 2046 §5.1.5).
     */
    static Part parse(byte[] raw, int start, int end, boolean digest, int depth, Budget budget) {
        budget.parts++;
        int headerEnd = start;
        int bodyStart = end;
        int i = start;
        while (i < end) {
            // an empty line (CRLF or bare LF) ends the header
            if (raw[i] == '\n') {
                headerEnd = i;
                bodyStart = i + 1;
                break;
            }
            if (raw[i] == '\r' && i + 1 < end && raw[i + 1] == '\n') {
                headerEnd = i;
                bodyStart = i + 2;
                break;
            }
            i = Header.lineEnd(raw, i, end);
            headerEnd = i;
        }
        Header header = Header.parse(raw, start, headerEnd);
        String type = digest ? "message" : "text";
        String subtype = digest ? "rfc822" : "plain";
        List<NameValuePair> params = digest ? List.of() : List.of(new NameValuePair("charset", "us-ascii"));
        Optional<String> ct = header.get("Content-Type");
        if (ct.isPresent()) {
            RawBody body = parseValue(ct.get());
            String v = body.getValue() == null ? "" : body.getValue().trim().toLowerCase(Locale.ROOT);
            int slash = v.indexOf('/');
            if (slash > 0 && slash < v.length() - 1 && v.indexOf(' ') < 0) { // a malformed type falls back to the default
                type = v.substring(0, slash);
                subtype = v.substring(slash + 1);
                params = body.getParams();
            }
        }
        Part p = new Part(start, bodyStart, end, header, type, subtype, params);
        if (depth >= MAX_DEPTH || budget.parts >= MAX_PARTS) return p;
        if (type.equals("multipart")) {
            p.param("boundary").filter(b -> !b.isEmpty()).ifPresent(b -> p.splitMultipart(raw, b, depth, budget));
        } else if (type.equals("message") && subtype.equals("rfc822")) {
            p.message = parse(raw, bodyStart, end, false, depth + 1, budget);
        }
        return p;
    }

    /** Splits the body at {@code --boundary} lines (RFC 2046 §5.1.1); a missing close delimiter ends at the end. */
    private void splitMultipart(byte[] raw, String boundary, int depth, Budget budget) {
        byte[] delim = ("--" + boundary).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        boolean digest = subtype.equals("digest");
        int partStart = -1;
        int i = bodyStart;
        while (i < end && budget.parts < MAX_PARTS) {
            int lineEnd = Header.lineEnd(raw, i, end);
            if (startsWith(raw, i, end, delim)) {
                // the CRLF before the delimiter belongs to the delimiter
                int contentEnd = i;
                if (contentEnd > bodyStart && raw[contentEnd - 1] == '\n') contentEnd--;
                if (contentEnd > bodyStart && raw[contentEnd - 1] == '\r') contentEnd--;
                if (partStart >= 0) children.add(parse(raw, partStart, Math.max(partStart, contentEnd), digest, depth + 1, budget));
                boolean close = i + delim.length + 1 < end && raw[i + delim.length] == '-' && raw[i + delim.length + 1] == '-';
                if (close) return;
                partStart = lineEnd;
            }
            i = lineEnd;
        }
        if (partStart >= 0 && partStart <= end) children.add(parse(raw, partStart, end, digest, depth + 1, budget));
    }

    private static boolean startsWith(byte[] raw, int i, int end, byte[] prefix) {
        if (end - i < prefix.length) return false;
        for (int k = 0; k < prefix.length; k++) if (raw[i + k] != prefix[k]) return false;
        return true;
    }

    /** {@code value; name=param; ...} as in Content-Type and Content-Disposition (RFC 2045 §5.1, RFC 2183). */
    static RawBody parseValue(String value) {
        var seq = ContentUtil.encode(value);
        return RawFieldParser.DEFAULT.parseRawBody(seq, new ParserCursor(0, seq.length()));
    }

    /** Lines of the body: LF count, plus one for a last line without LF (Dovecot's count). */
    int bodyLines(byte[] raw) {
        int n = 0;
        for (int i = bodyStart; i < end; i++) if (raw[i] == '\n') n++;
        if (end > bodyStart && raw[end - 1] != '\n') n++;
        return n;
    }
}
