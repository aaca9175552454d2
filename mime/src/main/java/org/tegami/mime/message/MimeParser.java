package org.tegami.mime.message;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Lenient MIME tree parser over raw RFC 5322 bytes that records exact byte offsets. Never throws on content:
 * every malformation degrades to a valid tree (RFC 2045 §5.2 defaults, missing boundaries end at the enclosing
 * part, bodies without a blank line before them).
 */
final class MimeParser {

    /** Nesting deeper than this is not parsed: the part becomes an opaque application/octet-stream leaf. */
    static final int MAX_DEPTH = 32;
    /** At most this many parts per message; later parts are not represented. */
    static final int MAX_PARTS = 10_000;

    private final byte[] b;
    private int parts;

    private MimeParser(byte[] b) {
        this.b = b;
    }

    static Part parse(byte[] raw) {
        MimeParser p = new MimeParser(raw);
        return p.entity(0, raw.length, 0, false);
    }

    private Part entity(int start, int end, int depth, boolean digestChild) {
        parts++;
        Part p = new Part(start);
        p.end = end;
        header(p, start, end);
        contentHeaders(p, digestChild);
        if (p.multipart) {
            String boundary = p.param("boundary");
            if (depth >= MAX_DEPTH || parts >= MAX_PARTS) {
                demote(p);
            } else {
                multipart(p, boundary, depth);
            }
        } else if (p.type.equals("MESSAGE") && (p.subtype.equals("RFC822") || p.subtype.equals("GLOBAL"))
                && identityEncoding(p.encoding)) {
            if (depth >= MAX_DEPTH || parts >= MAX_PARTS) {
                demote(p);
            } else {
                p.message = entity(p.bodyStart, end, depth + 1, false);
            }
        }
        p.lines = countLines(p.bodyStart, p.end);
        return p;
    }

    private static boolean identityEncoding(String enc) {
        return enc.equals("7BIT") || enc.equals("8BIT") || enc.equals("BINARY");
    }

    private static void demote(Part p) {
        p.multipart = false;
        p.type = "APPLICATION";
        p.subtype = "OCTET-STREAM";
        p.params = List.of();
    }

    private int countLines(int from, int to) {
        // Like Dovecot: the number of LF octets in the body.
        int n = 0;
        for (int i = from; i < to; i++) {
            if (b[i] == '\n') n++;
        }
        return n;
    }

    // ---- header ----

    private int lineEnd(int pos, int end) {
        for (int i = pos; i < end; i++) {
            if (b[i] == '\n') return i + 1;
        }
        return end;
    }

    private int contentEnd(int pos, int eol) {
        int e = eol;
        if (e > pos && b[e - 1] == '\n') e--;
        if (e > pos && b[e - 1] == '\r') e--;
        return e;
    }

    /** Index of the colon when the line starts with a valid field name (RFC 5322 §2.2, WSP before ':' tolerated), else -1. */
    private int fieldColon(int pos, int end) {
        int i = pos;
        while (i < end) {
            int c = b[i] & 0xff;
            if (c == ':') break;
            if (c <= 32 || c >= 127) break;
            i++;
        }
        if (i == pos) return -1;
        int j = i;
        while (j < end && (b[j] == ' ' || b[j] == '\t')) j++;
        return j < end && b[j] == ':' ? j : -1;
    }

    private void header(Part p, int start, int end) {
        List<Part.Field> fields = new ArrayList<>();
        int pos = start;
        int fieldStart = -1;
        int nameEnd = -1;
        int colon = -1;
        while (pos < end) {
            int eol = lineEnd(pos, end);
            int ce = contentEnd(pos, eol);
            if (ce == pos) {
                addField(fields, fieldStart, nameEnd, colon, pos);
                p.bodyStart = eol;
                p.fields = fields;
                return;
            }
            byte c = b[pos];
            if (c == ' ' || c == '\t') {
                // continuation; a leading one without a field is junk that stays in the header
                pos = eol;
                continue;
            }
            int col = fieldColon(pos, ce);
            if (col < 0) {
                // Not a header line: the body starts here although no blank line separated it.
                addField(fields, fieldStart, nameEnd, colon, pos);
                p.bodyStart = pos;
                p.fields = fields;
                return;
            }
            addField(fields, fieldStart, nameEnd, colon, pos);
            fieldStart = pos;
            colon = col;
            nameEnd = col;
            while (nameEnd > pos && (b[nameEnd - 1] == ' ' || b[nameEnd - 1] == '\t')) nameEnd--;
            pos = eol;
        }
        addField(fields, fieldStart, nameEnd, colon, end);
        p.bodyStart = end;
        p.fields = fields;
    }

    private void addField(List<Part.Field> fields, int start, int nameEnd, int colon, int end) {
        if (start < 0 || fields.size() >= 10_000) return;
        String name = new String(b, start, nameEnd - start, StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
        // RFC 5322 §2.2.3 unfolding: drop the line breaks, keep the whitespace
        byte[] v = new byte[end - colon - 1];
        int n = 0;
        for (int i = colon + 1; i < end; i++) {
            if (b[i] != '\r' && b[i] != '\n') v[n++] = b[i];
        }
        fields.add(new Part.Field(name, start, end, text(v, 0, n).strip()));
    }

    /** Header bytes as text: UTF-8 when valid (RFC 6532), otherwise ISO-8859-1. */
    static String text(byte[] v, int off, int len) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(v, off, len)).toString();
        } catch (CharacterCodingException e) {
            return new String(v, off, len, StandardCharsets.ISO_8859_1);
        }
    }

    // ---- Content-* fields ----

    private static void contentHeaders(Part p, boolean digestChild) {
        String ct = p.value("content-type");
        boolean ok = false;
        if (ct != null) {
            int semi = ct.indexOf(';');
            String media = (semi < 0 ? ct : ct.substring(0, semi)).strip();
            int slash = media.indexOf('/');
            if (slash > 0 && slash < media.length() - 1) {
                String type = media.substring(0, slash).strip();
                String sub = media.substring(slash + 1).strip();
                if (token(type) && token(sub)) {
                    p.type = type.toUpperCase(Locale.ROOT);
                    p.subtype = sub.toUpperCase(Locale.ROOT);
                    p.params = semi < 0 ? List.of() : params(ct, semi + 1);
                    ok = true;
                }
            }
        }
        if (!ok) {
            // RFC 2045 §5.2 default; RFC 2046 §5.1.5 for multipart/digest children
            if (digestChild && ct == null) {
                p.type = "MESSAGE";
                p.subtype = "RFC822";
                p.params = List.of();
            } else {
                p.type = "TEXT";
                p.subtype = "PLAIN";
                p.params = List.of(new Part.Param("charset", "us-ascii"));
            }
        }
        if (p.type.equals("MULTIPART")) {
            String boundary = p.param("boundary");
            if (boundary == null || boundary.isEmpty()) {
                // A multipart without boundary cannot be split: RFC 2045 §5.2 default for invalid Content-Type.
                p.type = "TEXT";
                p.subtype = "PLAIN";
                p.params = List.of(new Part.Param("charset", "us-ascii"));
            } else {
                p.multipart = true;
            }
        }
        if (p.isText() && p.param("charset") == null) {
            List<Part.Param> ps = new ArrayList<>(p.params);
            ps.addFirst(new Part.Param("charset", "us-ascii"));
            p.params = List.copyOf(ps);
        }
        String enc = p.value("content-transfer-encoding");
        if (enc != null && !enc.isEmpty()) p.encoding = enc.toUpperCase(Locale.ROOT);
        p.id = nonEmpty(p.value("content-id"));
        p.description = nonEmpty(p.value("content-description"));
        p.md5 = nonEmpty(p.value("content-md5"));
        p.location = nonEmpty(p.value("content-location"));
        String disp = p.value("content-disposition");
        if (disp != null) {
            int semi = disp.indexOf(';');
            String type = (semi < 0 ? disp : disp.substring(0, semi)).strip();
            if (!type.isEmpty()) {
                p.dispositionType = type;  // as written, like Dovecot
                p.dispositionParams = semi < 0 ? List.of() : params(disp, semi + 1);
            }
        }
        String lang = p.value("content-language");
        if (lang != null) {
            List<String> langs = new ArrayList<>();
            for (String s : lang.split(",")) {
                if (!s.isBlank()) langs.add(s.strip());
            }
            p.languages = List.copyOf(langs);
        }
    }

    private static String nonEmpty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static boolean token(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 32 || c >= 127 || "()<>@,;:\\\"/[]?=".indexOf(c) >= 0) return false;
        }
        return true;
    }

    /**
     * RFC 2045 §5.1 parameters after the media type, leniently: unquoted values run to the next ';'.
     * RFC 2231 §3 continuations ({@code name*0}, {@code name*1*}) are joined in order; the result is named
     * {@code name*} when the first section is extended (value kept in its charset'language'%XX form).
     */
    static List<Part.Param> params(String s, int from) {
        List<String[]> raw = new ArrayList<>();
        int i = from;
        int n = s.length();
        while (i < n && raw.size() < 1000) {
            while (i < n && (s.charAt(i) == ';' || Character.isWhitespace(s.charAt(i)))) i++;
            int nameStart = i;
            while (i < n && s.charAt(i) != '=' && s.charAt(i) != ';') i++;
            String name = s.substring(nameStart, i).strip();
            if (i >= n || s.charAt(i) == ';') continue;
            i++; // '='
            while (i < n && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) i++;
            StringBuilder v = new StringBuilder();
            if (i < n && s.charAt(i) == '"') {
                i++;
                while (i < n && s.charAt(i) != '"') {
                    char c = s.charAt(i++);
                    if (c == '\\' && i < n) c = s.charAt(i++);
                    v.append(c);
                }
                i++; // closing quote
                while (i < n && s.charAt(i) != ';') i++;
            } else {
                int vs = i;
                while (i < n && s.charAt(i) != ';') i++;
                v.append(s, vs, i);
            }
            if (!name.isEmpty()) raw.add(new String[] {name.toLowerCase(Locale.ROOT), v.toString().strip()});
        }
        // RFC 2231 continuations
        Map<String, TreeMap<Integer, String[]>> sections = new LinkedHashMap<>();
        List<Object> order = new ArrayList<>();
        for (String[] p : raw) {
            String name = p[0];
            int star = name.indexOf('*');
            if (star > 0 && star < name.length() - 1) {
                String rest = name.substring(star + 1);
                boolean ext = rest.endsWith("*");
                String num = ext ? rest.substring(0, rest.length() - 1) : rest;
                if (!num.isEmpty() && num.length() < 6 && num.chars().allMatch(Character::isDigit)) {
                    String base = name.substring(0, star);
                    TreeMap<Integer, String[]> m = sections.get(base);
                    if (m == null) {
                        m = new TreeMap<>();
                        sections.put(base, m);
                        order.add(base);
                    }
                    m.putIfAbsent(Integer.parseInt(num), new String[] {ext ? "*" : "", p[1]});
                    continue;
                }
            }
            order.add(p);
        }
        List<Part.Param> out = new ArrayList<>();
        for (Object o : order) {
            if (o instanceof String[] p) {
                out.add(new Part.Param(p[0], p[1]));
            } else {
                String base = (String) o;
                TreeMap<Integer, String[]> m = sections.get(base);
                StringBuilder v = new StringBuilder();
                for (String[] sec : m.values()) v.append(sec[1]);
                out.add(new Part.Param(base + m.firstEntry().getValue()[0], v.toString()));
            }
        }
        return List.copyOf(out);
    }

    // ---- multipart ----

    private void multipart(Part p, String boundary, int depth) {
        byte[] delim = ("--" + boundary).getBytes(StandardCharsets.UTF_8);
        boolean digest = p.subtype.equals("DIGEST");
        List<Part> children = new ArrayList<>();
        int pos = p.bodyStart;
        int end = p.end;
        int partStart = -1;
        while (pos < end) {
            int eol = lineEnd(pos, end);
            int kind = boundaryLine(pos, eol, delim);
            if (kind != 0) {
                if (partStart >= 0) {
                    if (parts >= MAX_PARTS) break;
                    children.add(entity(partStart, Math.max(partStart, beforeLineBreak(pos, partStart)), depth + 1, digest));
                }
                if (kind == 2) {
                    partStart = -1;
                    break;
                }
                partStart = eol;
            }
            pos = eol;
        }
        if (partStart >= 0 && parts < MAX_PARTS) {
            // missing close-delimiter: the last part runs to the end of the enclosing entity
            children.add(entity(partStart, end, depth + 1, digest));
        }
        if (children.isEmpty()) {
            // Like Dovecot: a multipart without parts shows one empty text/plain part.
            Part empty = new Part(p.bodyStart);
            empty.params = List.of(new Part.Param("charset", "us-ascii"));
            children.add(empty);
        }
        p.children = List.copyOf(children);
    }

    /** Offset of the line break that precedes the boundary line at {@code lineStart} (RFC 2046 §5.1.1). */
    private int beforeLineBreak(int lineStart, int floor) {
        int e = lineStart;
        if (e > floor && b[e - 1] == '\n') e--;
        if (e > floor && b[e - 1] == '\r') e--;
        return e;
    }

    /** 0: not a boundary line, 1: delimiter, 2: close-delimiter. */
    private int boundaryLine(int pos, int eol, byte[] delim) {
        if (eol - pos < delim.length) return 0;
        for (int i = 0; i < delim.length; i++) {
            if (b[pos + i] != delim[i]) return 0;
        }
        int i = pos + delim.length;
        if (i + 1 < eol && b[i] == '-' && b[i + 1] == '-') return 2;
        // RFC 2046 §5.1.1: only transport padding may follow the boundary
        for (; i < eol; i++) {
            byte c = b[i];
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return 0;
        }
        return 1;
    }
}
