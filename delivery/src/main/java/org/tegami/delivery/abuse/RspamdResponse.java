package org.tegami.delivery.abuse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * rspamd's answer to {@code /checkv2}, as far as we use it: the action, the score against the required score and
 * the symbols that fired. Read by a small JSON parser (RFC 8259) of our own with named limits, since the
 * answer comes from another process we do not control: at most {@link #MAX_BYTES}, nesting at most
 * {@link #MAX_DEPTH}, at most {@link #MAX_VALUES} values in all, strings at most {@link #MAX_STRING} chars.
 *
 * @param action        {@code no action}, {@code greylist}, {@code add header}, {@code rewrite subject},
 *                      {@code soft reject} or {@code reject} (lower case; anything else is {@link #action()} as sent)
 * @param score         the message's score
 * @param requiredScore the score at which rspamd rejects
 * @param symbols       symbol names and their scores, in the order sent, at most {@link #MAX_SYMBOLS}
 */
public record RspamdResponse(String action, double score, double requiredScore, Map<String, Double> symbols) {
    public static final int MAX_BYTES = 1 << 20;
    public static final int MAX_DEPTH = 16;
    public static final int MAX_VALUES = 20_000;
    public static final int MAX_STRING = 4096;
    public static final int MAX_SYMBOLS = 200;

    public RspamdResponse {
        symbols = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(symbols));
    }

    /** Parses a {@code /checkv2} body; throws {@link IllegalArgumentException} for anything else. */
    public static RspamdResponse parse(byte[] body) {
        if (body.length > MAX_BYTES) throw new IllegalArgumentException("response over " + MAX_BYTES + " bytes");
        Parser p = new Parser(new String(body, StandardCharsets.UTF_8));
        p.ws();
        Object v = p.value(0);
        p.ws();
        if (p.i != p.s.length()) throw new IllegalArgumentException("trailing data at " + p.i);
        if (!(v instanceof Map<?, ?> m)) throw new IllegalArgumentException("not a JSON object");
        if (!(m.get("action") instanceof String action)) throw new IllegalArgumentException("no action");
        double score = m.get("score") instanceof Double d ? d : 0;
        double required = m.get("required_score") instanceof Double d ? d : 0;
        Map<String, Double> symbols = new LinkedHashMap<>();
        if (m.get("symbols") instanceof Map<?, ?> syms) {
            for (Map.Entry<?, ?> e : syms.entrySet()) {
                if (symbols.size() == MAX_SYMBOLS) break;
                double s = e.getValue() instanceof Map<?, ?> sym && sym.get("score") instanceof Double d ? d : 0;
                symbols.put((String) e.getKey(), s);
            }
        }
        return new RspamdResponse(action.toLowerCase(Locale.ROOT), score, required, symbols);
    }

    /** A recursive-descent reader of one JSON text into maps, lists, strings, doubles, booleans and null. */
    private static final class Parser {
        final String s;
        int i;
        int values;

        Parser(String s) {
            this.s = s;
        }

        void ws() {
            while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t' || s.charAt(i) == '\n' || s.charAt(i) == '\r')) i++;
        }

        IllegalArgumentException bad(String what) {
            return new IllegalArgumentException(what + " at " + i);
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) throw bad("nested too deep");
            if (++values > MAX_VALUES) throw bad("too many values");
            if (i >= s.length()) throw bad("unexpected end");
            char c = s.charAt(i);
            return switch (c) {
                case '{' -> object(depth);
                case '[' -> array(depth);
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> number();
            };
        }

        Object literal(String word, Object v) {
            if (!s.startsWith(word, i)) throw bad("bad literal");
            i += word.length();
            return v;
        }

        Map<String, Object> object(int depth) {
            Map<String, Object> m = new LinkedHashMap<>();
            i++;
            ws();
            if (i < s.length() && s.charAt(i) == '}') {
                i++;
                return m;
            }
            while (true) {
                ws();
                if (i >= s.length() || s.charAt(i) != '"') throw bad("expected a member name");
                String k = string();
                ws();
                if (i >= s.length() || s.charAt(i) != ':') throw bad("expected ':'");
                i++;
                ws();
                m.put(k, value(depth + 1));
                ws();
                if (i >= s.length()) throw bad("unexpected end");
                char c = s.charAt(i++);
                if (c == '}') return m;
                if (c != ',') throw bad("expected ',' or '}'");
            }
        }

        List<Object> array(int depth) {
            List<Object> a = new ArrayList<>();
            i++;
            ws();
            if (i < s.length() && s.charAt(i) == ']') {
                i++;
                return a;
            }
            while (true) {
                ws();
                a.add(value(depth + 1));
                ws();
                if (i >= s.length()) throw bad("unexpected end");
                char c = s.charAt(i++);
                if (c == ']') return a;
                if (c != ',') throw bad("expected ',' or ']'");
            }
        }

        String string() {
            StringBuilder b = new StringBuilder();
            i++;
            while (true) {
                if (i >= s.length()) throw bad("unterminated string");
                if (b.length() > MAX_STRING) throw bad("string too long");
                char c = s.charAt(i++);
                if (c == '"') return b.toString();
                if (c < 0x20) throw bad("control character in string");
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (i >= s.length()) throw bad("unterminated escape");
                char e = s.charAt(i++);
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (i + 4 > s.length()) throw bad("short \\u escape");
                        int cp = 0;
                        for (int k = 0; k < 4; k++) {
                            int d = Character.digit(s.charAt(i++), 16);
                            if (d < 0) throw bad("bad \\u escape");
                            cp = cp * 16 + d;
                        }
                        b.append((char) cp);
                    }
                    default -> throw bad("bad escape");
                }
            }
        }

        Double number() {
            int start = i;
            if (i < s.length() && s.charAt(i) == '-') i++;
            while (i < s.length() && i - start < 64 && "0123456789.eE+-".indexOf(s.charAt(i)) >= 0) i++;
            String n = s.substring(start, i);
            // RFC 8259 §6 grammar, checked before Double.parseDouble (which also takes "NaN", "0x1p3", "1d")
            if (!n.matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?")) throw bad("bad number");
            double d = Double.parseDouble(n);
            return Double.isFinite(d) ? d : 0.0;
        }
    }
}
