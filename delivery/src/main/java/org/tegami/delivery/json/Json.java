package org.tegami.delivery.json;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON reader (RFC 8259) for what other parties send us (TLS reports, rspamd's answers): values become {@link Map} (insertion order),
 * {@link List}, {@link String}, {@link Long}, {@link Double}, {@link Boolean} or {@code null}. Every input is
 * bounded before it is kept: nesting depth, members per object or array, string length, number length, and the
 * whole document's size (the caller's). Anything else is a {@link Bad} with the offset, never another exception.
 */
public final class Json {
    /** Nesting of objects and arrays. */
    public static final int MAX_DEPTH = 16;
    /** Members of one object or elements of one array. */
    public static final int MAX_MEMBERS = 10_000;
    /** Characters of one string (after unescaping). */
    public static final int MAX_STRING = 4_096;
    /** Characters of one number. */
    public static final int MAX_NUMBER = 32;

    /** Malformed or over a limit. */
    public static final class Bad extends Exception {
        Bad(String message) {
            super(message, null, false, false);
        }
    }

    private final String s;
    private int i;

    private Json(String s) {
        this.s = s;
    }

    /** Parses one JSON document (UTF-8; a BOM is refused as RFC 8259 §8.1 allows). */
    public static Object parse(byte[] utf8) throws Bad {
        var dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        String text;
        try {
            text = dec.decode(java.nio.ByteBuffer.wrap(utf8)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new Bad("not UTF-8");
        }
        Json j = new Json(text);
        j.ws();
        Object v = j.value(0);
        j.ws();
        if (j.i != text.length()) throw j.bad("text after the value");
        return v;
    }

    private Bad bad(String what) {
        return new Bad(what + " at offset " + i);
    }

    private void ws() {
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
            i++;
        }
    }

    private Object value(int depth) throws Bad {
        if (i >= s.length()) throw bad("unexpected end");
        char c = s.charAt(i);
        return switch (c) {
            case '{' -> object(depth + 1);
            case '[' -> array(depth + 1);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || c >= '0' && c <= '9') yield number();
                throw bad("unexpected character");
            }
        };
    }

    private Object literal(String word, Object v) throws Bad {
        if (!s.startsWith(word, i)) throw bad("bad literal");
        i += word.length();
        return v;
    }

    private Map<String, Object> object(int depth) throws Bad {
        if (depth > MAX_DEPTH) throw bad("nested deeper than " + MAX_DEPTH);
        i++; // {
        Map<String, Object> m = new LinkedHashMap<>();
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
            Object v = value(depth);
            if (m.containsKey(k)) throw bad("member \"" + k + "\" twice");
            if (m.size() >= MAX_MEMBERS) throw bad("more than " + MAX_MEMBERS + " members");
            m.put(k, v);
            ws();
            if (i >= s.length()) throw bad("unexpected end");
            char c = s.charAt(i++);
            if (c == '}') return m;
            if (c != ',') throw bad("expected ',' or '}'");
        }
    }

    private List<Object> array(int depth) throws Bad {
        if (depth > MAX_DEPTH) throw bad("nested deeper than " + MAX_DEPTH);
        i++; // [
        List<Object> l = new ArrayList<>();
        ws();
        if (i < s.length() && s.charAt(i) == ']') {
            i++;
            return l;
        }
        while (true) {
            ws();
            if (l.size() >= MAX_MEMBERS) throw bad("more than " + MAX_MEMBERS + " elements");
            l.add(value(depth));
            ws();
            if (i >= s.length()) throw bad("unexpected end");
            char c = s.charAt(i++);
            if (c == ']') return l;
            if (c != ',') throw bad("expected ',' or ']'");
        }
    }

    private String string() throws Bad {
        i++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (i >= s.length()) throw bad("unterminated string");
            char c = s.charAt(i++);
            if (c == '"') return sb.toString();
            if (c < 0x20) throw bad("control character in a string");
            if (c == '\\') {
                if (i >= s.length()) throw bad("unterminated string");
                char e = s.charAt(i++);
                switch (e) {
                    case '"', '\\', '/' -> sb.append(e);
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        if (i + 4 > s.length()) throw bad("short \\u escape");
                        int v = 0;
                        for (int k = 0; k < 4; k++) {
                            int d = Character.digit(s.charAt(i + k), 16);
                            if (d < 0) throw bad("bad \\u escape");
                            v = v * 16 + d;
                        }
                        i += 4;
                        sb.append((char) v);
                    }
                    default -> throw bad("bad escape");
                }
            } else {
                sb.append(c);
            }
            if (sb.length() > MAX_STRING) throw bad("string longer than " + MAX_STRING);
        }
    }

    private Object number() throws Bad {
        int start = i;
        if (s.charAt(i) == '-') i++;
        int digits = i;
        while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
        if (i == digits || s.charAt(digits) == '0' && i - digits > 1) throw bad("bad number");
        boolean fraction = false;
        if (i < s.length() && s.charAt(i) == '.') {
            fraction = true;
            i++;
            int f = i;
            while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
            if (i == f) throw bad("bad number");
        }
        if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            fraction = true;
            i++;
            if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
            int f = i;
            while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
            if (i == f) throw bad("bad number");
        }
        if (i - start > MAX_NUMBER) throw bad("number longer than " + MAX_NUMBER);
        String n = s.substring(start, i);
        if (fraction) return Double.parseDouble(n);
        try {
            return Long.parseLong(n);
        } catch (NumberFormatException e) {
            throw bad("integer out of range");
        }
    }
}
