package org.tegami.mailauth.dkim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A DKIM tag=value list (RFC 6376 §3.2), shared by DKIM-Signature, key records, ARC-Seal and
 * ARC-Message-Signature. Strict: a duplicate tag, a bad tag name or a control character invalidates the list.
 */
public record TagList(Map<String, String> tags) {
    /** The most tags in one list (a DKIM-Signature has 14 defined tags). */
    public static final int MAX_TAGS = 64;
    /** The longest list accepted, in chars (an RSA-8192 b= is 1.4 K; z= copies may be longer). */
    public static final int MAX_LENGTH = 32 * 1024;

    public TagList {
        tags = Collections.unmodifiableMap(tags);
    }

    public String get(String tag) {
        return tags.get(tag);
    }

    public static TagList parse(String text) throws DkimSyntaxException {
        if (text.length() > MAX_LENGTH) throw new DkimSyntaxException("tag list longer than " + MAX_LENGTH);
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0, n = text.length();
        while (i < n) {
            int semi = text.indexOf(';', i);
            int end = semi < 0 ? n : semi;
            String spec = text.substring(i, end);
            i = end + 1;
            if (spec.isBlank()) {
                if (semi < 0 || end + 1 >= n || text.substring(end + 1).isBlank()) break; // trailing ";" (§3.2)
                throw new DkimSyntaxException("empty tag-spec");
            }
            int eq = spec.indexOf('=');
            if (eq < 0) throw new DkimSyntaxException("tag-spec without '='");
            String name = fws(spec.substring(0, eq));
            String value = fws(spec.substring(eq + 1));
            if (!validName(name)) throw new DkimSyntaxException("bad tag name");
            for (int j = 0; j < value.length(); j++) {
                char c = value.charAt(j);
                if (c < 0x20 && c != '\t' && c != '\r' && c != '\n' || c == 0x7f) throw new DkimSyntaxException("control character in tag value");
            }
            if (out.size() >= MAX_TAGS) throw new DkimSyntaxException("more than " + MAX_TAGS + " tags");
            // RFC 6376 §3.2: a tag name occurring twice invalidates the whole list.
            if (out.putIfAbsent(name, value) != null) throw new DkimSyntaxException("duplicate tag " + name);
        }
        return new TagList(out);
    }

    /** Strips folding white space at both ends. */
    private static String fws(String s) {
        int a = 0, b = s.length();
        while (a < b && isFws(s.charAt(a))) a++;
        while (b > a && isFws(s.charAt(b - 1))) b--;
        return s.substring(a, b);
    }

    private static boolean isFws(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    /** tag-name = ALPHA *ALNUMPUNC (RFC 6376 §3.2). */
    private static boolean validName(String s) {
        if (s.isEmpty() || s.length() > 32) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            if (!(alpha || (i > 0 && ((c >= '0' && c <= '9') || c == '_')))) return false;
        }
        return true;
    }

    /** A value with all folding white space removed (for base64 tags b=, bh=, p=). */
    public static String noWhitespace(String v) {
        return v == null ? null : v.replaceAll("[ \t\r\n]", "");
    }
}
