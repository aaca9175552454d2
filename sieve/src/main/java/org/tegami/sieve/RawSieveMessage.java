package org.tegami.sieve;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link SieveMessage} over the raw RFC 5322 bytes of a message: header fields read once, the body split into
 * MIME parts only when a {@code body} test asks, reading at most {@code bodyBytes} of it. Bounds: at most
 * {@value #MAX_FIELDS} header fields and {@value #MAX_HEADER_CHARS} characters of them per header section (fields
 * beyond are not seen), 64 KiB per field, MIME nesting {@value #MAX_DEPTH}, {@value #MAX_PARTS} parts.
 */
public final class RawSieveMessage implements SieveMessage {
    static final int MAX_FIELDS = 2_000;
    static final int MAX_DEPTH = 16;
    static final int MAX_PARTS = 500;
    static final int MAX_HEADER_CHARS = 256 * 1024;

    private final byte[] raw;
    private final int bodyStart;
    private final List<HeaderField> headers;
    private final Map<String, String> envelope;
    private final int bodyBytes;
    private Body body;

    private RawSieveMessage(byte[] raw, Map<String, String> envelope, int bodyBytes) {
        this.raw = raw;
        this.envelope = envelope;
        this.bodyBytes = bodyBytes;
        List<HeaderField> h = new ArrayList<>();
        this.bodyStart = parseHeader(raw, 0, raw.length, h);
        this.headers = List.copyOf(h);
    }

    /**
     * @param raw       the message as stored
     * @param from      the envelope sender without angle brackets, {@code ""} for the null reverse-path
     * @param to        the envelope recipient this delivery is for
     * @param bodyBytes the most body bytes the {@code body} test reads ({@link SieveLimits#bodyBytes()})
     */
    public static RawSieveMessage of(byte[] raw, String from, String to, int bodyBytes) {
        Map<String, String> env = new HashMap<>();
        env.put("from", from);
        env.put("to", to);
        return new RawSieveMessage(raw, env, bodyBytes);
    }

    /** As {@link #of(byte[], String, String, int)}, with more envelope parts (e.g. {@code orig-to}). */
    public static RawSieveMessage of(byte[] raw, Map<String, String> envelope, int bodyBytes) {
        return new RawSieveMessage(raw, Map.copyOf(envelope), bodyBytes);
    }

    @Override
    public List<HeaderField> headers() {
        return headers;
    }

    @Override
    public Optional<String> envelope(String part) {
        return Optional.ofNullable(envelope.get(part));
    }

    @Override
    public long size() {
        return raw.length;
    }

    @Override
    public Body body() {
        if (body == null) {
            int end = (int) Math.min(raw.length, (long) bodyStart + bodyBytes);
            String rawText = new String(raw, bodyStart, end - bodyStart, StandardCharsets.ISO_8859_1);
            List<Part> parts = new ArrayList<>();
            entity(headers, bodyStart, end, 0, parts, "text/plain");
            body = new Body(rawText, List.copyOf(parts));
        }
        return body;
    }

    /** Reads header fields from {@code start}; returns the offset of the body (after the empty line). */
    private static int parseHeader(byte[] b, int start, int end, List<HeaderField> out) {
        int i = start;
        String name = null;
        StringBuilder value = null;
        long seen = 0;
        while (i < end) {
            int eol = i;
            while (eol < end && b[eol] != '\n') eol++;
            int lineEnd = eol > i && b[eol - 1] == '\r' ? eol - 1 : eol;
            int next = Math.min(end, eol + 1);
            if (lineEnd == i) {
                i = next;
                break; // the empty line ending the header
            }
            seen += lineEnd - i;
            if (seen > MAX_HEADER_CHARS || out.size() >= MAX_FIELDS) {
                // past the bound: find the end of the header without keeping anything
                if (name != null && out.size() < MAX_FIELDS && seen - (lineEnd - i) <= MAX_HEADER_CHARS) {
                    out.add(new HeaderField(name, value.toString()));
                }
                name = null;
                value = null;
                if (b[i] != ' ' && b[i] != '\t' && indexOf(b, i, lineEnd, (byte) ':') < 0) return i;
                i = next;
                continue;
            }
            String line = new String(b, i, lineEnd - i, StandardCharsets.UTF_8);
            if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && value != null) {
                if (value.length() < 64 * 1024) value.append("\r\n").append(line);
            } else {
                if (name != null && out.size() < MAX_FIELDS) out.add(new HeaderField(name, value.toString()));
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    // not a header field: RFC 5322 says the header ends; treat the rest as body
                    return i;
                }
                name = line.substring(0, colon).strip();
                value = new StringBuilder(line.substring(colon + 1));
            }
            i = next;
        }
        if (name != null && out.size() < MAX_FIELDS) out.add(new HeaderField(name, value.toString()));
        return i;
    }

    private static int indexOf(byte[] b, int from, int to, byte c) {
        for (int k = from; k < to; k++) if (b[k] == c) return k;
        return -1;
    }

    private static String param(String contentType, String name) {
        String lower = contentType.toLowerCase(Locale.ROOT);
        int at = 0;
        while ((at = lower.indexOf(name + "=", at)) >= 0) {
            if (at == 0 || lower.charAt(at - 1) == ';' || lower.charAt(at - 1) == ' ' || lower.charAt(at - 1) == '\t') {
                int v = at + name.length() + 1;
                if (v < contentType.length() && contentType.charAt(v) == '"') {
                    int close = contentType.indexOf('"', v + 1);
                    return contentType.substring(v + 1, close < 0 ? contentType.length() : close);
                }
                int e = v;
                while (e < contentType.length() && contentType.charAt(e) != ';' && !Character.isWhitespace(contentType.charAt(e))) e++;
                return contentType.substring(v, e);
            }
            at++;
        }
        return null;
    }

    private static String field(List<HeaderField> h, String name) {
        for (HeaderField f : h) if (f.name().equalsIgnoreCase(name)) return f.unfolded();
        return null;
    }

    /** Adds the leaf parts of the entity in {@code [start, end)} (RFC 2045, RFC 2046 §5.1). */
    private void entity(List<HeaderField> h, int start, int end, int depth, List<Part> out, String defaultType) {
        if (out.size() >= MAX_PARTS) return;
        String ct = field(h, "Content-Type");
        String type = defaultType;
        if (ct != null) {
            String t = ct.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (t.indexOf('/') > 0) type = t;
        }
        if (type.startsWith("multipart/") && depth < MAX_DEPTH) {
            String boundary = param(ct, "boundary");
            if (boundary != null && !boundary.isEmpty()) {
                multipart(boundary, start, end, depth, out, type.equals("multipart/digest") ? "message/rfc822" : "text/plain");
                return;
            }
        }
        if (type.equals("message/rfc822") && depth < MAX_DEPTH) {
            List<HeaderField> inner = new ArrayList<>();
            int body = parseHeader(raw, start, end, inner);
            entity(inner, body, end, depth + 1, out, "text/plain");
            return;
        }
        String text = null;
        if (type.startsWith("text/")) {
            byte[] decoded = transferDecode(field(h, "Content-Transfer-Encoding"), start, end);
            text = new String(decoded, charset(ct == null ? null : param(ct, "charset")));
        }
        out.add(new Part(type, text));
    }

    private void multipart(String boundary, int start, int end, int depth, List<Part> out, String childDefault) {
        byte[] delim = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int partStart = -1;
        int i = start;
        while (i < end) {
            int eol = i;
            while (eol < end && raw[eol] != '\n') eol++;
            boolean isDelim = eol - i >= delim.length && startsWith(i, delim);
            if (isDelim) {
                int after = i + delim.length;
                boolean close = after + 1 < end && raw[after] == '-' && raw[after + 1] == '-';
                if (partStart >= 0) {
                    int partEnd = i;
                    // the CRLF before the delimiter belongs to it (RFC 2046 §5.1.1)
                    if (partEnd > partStart && raw[partEnd - 1] == '\n') partEnd--;
                    if (partEnd > partStart && raw[partEnd - 1] == '\r') partEnd--;
                    List<HeaderField> ph = new ArrayList<>();
                    int body = parseHeader(raw, partStart, partEnd, ph);
                    entity(ph, Math.min(body, partEnd), partEnd, depth + 1, out, childDefault);
                }
                if (close) return;
                partStart = Math.min(end, eol + 1);
            }
            i = eol + 1;
        }
        if (partStart >= 0 && partStart < end) {
            List<HeaderField> ph = new ArrayList<>();
            int body = parseHeader(raw, partStart, end, ph);
            entity(ph, Math.min(body, end), end, depth + 1, out, childDefault);
        }
    }

    private boolean startsWith(int at, byte[] prefix) {
        for (int k = 0; k < prefix.length; k++) if (raw[at + k] != prefix[k]) return false;
        return true;
    }

    private byte[] transferDecode(String cte, int start, int end) {
        String enc = cte == null ? "" : cte.strip().toLowerCase(Locale.ROOT);
        if (enc.equals("base64")) {
            ByteArrayOutputStream clean = new ByteArrayOutputStream(end - start);
            for (int i = start; i < end; i++) {
                byte c = raw[i];
                if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/') clean.write(c);
            }
            byte[] b = clean.toByteArray();
            int usable = b.length - b.length % 4;
            try {
                return Base64.getDecoder().decode(java.util.Arrays.copyOf(b, usable));
            } catch (IllegalArgumentException e) {
                return new byte[0];
            }
        }
        if (enc.equals("quoted-printable")) {
            ByteArrayOutputStream o = new ByteArrayOutputStream(end - start);
            for (int i = start; i < end; i++) {
                byte c = raw[i];
                if (c == '=') {
                    if (i + 1 < end && raw[i + 1] == '\n') {
                        i++;
                        continue;
                    }
                    if (i + 2 < end && raw[i + 1] == '\r' && raw[i + 2] == '\n') {
                        i += 2;
                        continue;
                    }
                    int hi = i + 2 < end ? Character.digit(raw[i + 1], 16) : -1;
                    int lo = i + 2 < end ? Character.digit(raw[i + 2], 16) : -1;
                    if (hi >= 0 && lo >= 0) {
                        o.write(hi * 16 + lo);
                        i += 2;
                        continue;
                    }
                }
                o.write(c);
            }
            return o.toByteArray();
        }
        return java.util.Arrays.copyOfRange(raw, start, end);
    }

    private static Charset charset(String name) {
        if (name == null) return StandardCharsets.UTF_8;
        try {
            return Charset.forName(name.strip());
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }
}
