package org.tegami.mailauth.spf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * A parsed SPF macro-string (RFC 7208 §7): literals and {@code %{...}} expansions, checked when the record is
 * parsed so that errors anywhere in a record are found before evaluation (§4.6).
 */
public final class MacroString {
    /** The longest expansion of one macro string; longer results are a permerror (a macro bomb). */
    static final int MAX_EXPANSION = 8 * 1024;
    /** Highest DIGIT transformer honoured; larger values keep every part. */
    private static final int MAX_DIGITS = 128;

    sealed interface Part {}

    record Literal(String text) implements Part {}

    /** One {@code %{letter digits r delimiters}}; an upper-case letter is URL-escaped after expansion (§7.3). */
    record Macro(char letter, boolean escape, int digits, boolean reverse, String delimiters) implements Part {}

    final List<Part> parts;
    final String source;

    private MacroString(List<Part> parts, String source) {
        this.parts = parts;
        this.source = source;
    }

    /** Resolves the values of the macro letters. */
    interface Values {
        /** The value of a lower-case macro letter ({@code s l o d i p v h c r t}). */
        String value(char letter);
    }

    /**
     * Parses a macro-string; {@code explanation} allows the letters c, r and t and spaces (§7.1, §6.2
     * explain-string).
     */
    static MacroString parse(String s, boolean explanation) throws SpfSyntaxException {
        List<Part> parts = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        for (int i = 0; i < s.length(); ) {
            char c = s.charAt(i);
            if (c == ' ' && explanation) {
                lit.append(c);
                i++;
                continue;
            }
            if (c < 0x21 || c > 0x7e) throw new SpfSyntaxException("invalid character in macro string");
            if (c != '%') {
                lit.append(c);
                i++;
                continue;
            }
            if (i + 1 >= s.length()) throw new SpfSyntaxException("'%' at the end of a macro string"); // RFC 7208 §7.1
            char n = s.charAt(i + 1);
            switch (n) {
                case '%' -> { lit.append('%'); i += 2; }
                case '_' -> { lit.append(' '); i += 2; }
                case '-' -> { lit.append("%20"); i += 2; }
                case '{' -> {
                    int end = s.indexOf('}', i + 2);
                    if (end < 0) throw new SpfSyntaxException("unterminated macro");
                    if (!lit.isEmpty()) {
                        parts.add(new Literal(lit.toString()));
                        lit.setLength(0);
                    }
                    parts.add(macro(s.substring(i + 2, end), explanation));
                    i = end + 1;
                }
                default -> throw new SpfSyntaxException("'%' not followed by '{', '%', '_' or '-'"); // RFC 7208 §7.1
            }
        }
        if (!lit.isEmpty()) parts.add(new Literal(lit.toString()));
        return new MacroString(List.copyOf(parts), s);
    }

    private static Macro macro(String body, boolean explanation) throws SpfSyntaxException {
        if (body.isEmpty()) throw new SpfSyntaxException("empty macro");
        char letter = body.charAt(0);
        char lower = Character.toLowerCase(letter);
        boolean ok = "slodipvh".indexOf(lower) >= 0 || (explanation && "crt".indexOf(lower) >= 0); // RFC 7208 §7.1
        if (!ok || letter > 0x7e) throw new SpfSyntaxException("macro letter not allowed here: " + letter);
        int i = 1;
        int digits = 0;
        int start = i;
        while (i < body.length() && Character.isDigit(body.charAt(i)) && body.charAt(i) < 0x80) {
            if (i - start < 4) digits = digits * 10 + (body.charAt(i) - '0');
            i++;
        }
        if (i > start && digits == 0) throw new SpfSyntaxException("macro transformer 0"); // RFC 7208 §7.3: nonzero
        if (i - start > 3) digits = MAX_DIGITS;
        boolean reverse = false;
        if (i < body.length() && (body.charAt(i) == 'r' || body.charAt(i) == 'R')) {
            reverse = true;
            i++;
        }
        String delims = body.substring(i);
        for (int j = 0; j < delims.length(); j++) {
            if (".-+,/_=".indexOf(delims.charAt(j)) < 0) throw new SpfSyntaxException("invalid macro delimiter");
        }
        return new Macro(lower, letter != lower, Math.min(digits, MAX_DIGITS), reverse, delims.isEmpty() ? "." : delims);
    }

    /** True when the string ends in a macro expansion (a domain-end alternative, §7.1). */
    boolean endsWithMacro() {
        return !parts.isEmpty() && parts.getLast() instanceof Macro;
    }

    /** The literal text after the last macro. */
    String literalTail() {
        return parts.isEmpty() || !(parts.getLast() instanceof Literal l) ? "" : l.text();
    }

    String expand(Values values) throws SpfSyntaxException {
        StringBuilder out = new StringBuilder();
        for (Part p : parts) {
            switch (p) {
                case Literal l -> out.append(l.text());
                case Macro m -> out.append(transform(m, values.value(m.letter())));
            }
            if (out.length() > MAX_EXPANSION) throw new SpfSyntaxException("macro expansion too long");
        }
        return out.toString();
    }

    private static String transform(Macro m, String value) {
        String v = value;
        if (m.digits() > 0 || m.reverse() || !m.delimiters().equals(".")) {
            List<String> labels = new ArrayList<>();
            int from = 0;
            for (int i = 0; i <= v.length(); i++) {
                if (i == v.length() || m.delimiters().indexOf(v.charAt(i)) >= 0) {
                    labels.add(v.substring(from, i));
                    from = i + 1;
                }
            }
            if (m.reverse()) Collections.reverse(labels);
            if (m.digits() > 0 && m.digits() < labels.size()) labels = labels.subList(labels.size() - m.digits(), labels.size());
            v = String.join(".", labels);
        }
        return m.escape() ? urlEscape(v) : v;
    }

    /** RFC 7208 §7.3: upper-case macros are escaped like URLs, all but the unreserved characters (RFC 3986). */
    static String urlEscape(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        return out.toString();
    }

    /** RFC 7208 §7.3: an expanded domain over 253 characters loses labels on the left until it fits. */
    static String truncateDomain(String d) {
        String s = d;
        while (s.length() > 253) {
            int dot = s.indexOf('.');
            if (dot < 0) return s.substring(s.length() - 253);
            s = s.substring(dot + 1);
        }
        return s;
    }

    @Override
    public String toString() {
        return source;
    }
}
