package org.tegami.fetch.proto;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The few IMAP server responses (RFC 9051 §7) the fetcher reads, parsed from one response's text. The reader has
 * already cut the CRLF and swapped each literal's bytes for a marker, so a response is one line of at most the
 * reader's limit. Pure: no sockets. Every method throws {@link FetchProtocolException} on malformed input, nothing
 * else.
 */
public final class ImapResponses {
    /** Longest number a response may carry (RFC 9051 §4.2 number64 fits 19 digits). */
    private static final int MAX_DIGITS = 19;
    /** Most items one FETCH response may carry. */
    private static final int MAX_ITEMS = 64;

    private ImapResponses() {}

    /** What kind of line a response is. */
    public enum Kind { UNTAGGED, CONTINUATION, TAGGED }

    /**
     * One response line: {@code tag} is {@code *}, {@code +} or the tag; {@code rest} follows the first space.
     */
    public record Line(Kind kind, String tag, String rest) {}

    /** A status response's condition and its response code (RFC 9051 §7.1), e.g. {@code OK}, {@code UIDVALIDITY 3}. */
    public record Status(String condition, Optional<String> code, String text) {}

    /** The bytes of a line (CRLF cut) as text: ASCII, other bytes kept as Latin-1 so nothing is lost or grows. */
    public static String text(byte[] line, int length) throws FetchProtocolException {
        for (int i = 0; i < length; i++) {
            if (line[i] == '\r' || line[i] == '\n' || line[i] == 0) {
                throw new FetchProtocolException("a response line holds a CR, LF or NUL");
            }
        }
        return new String(line, 0, length, StandardCharsets.ISO_8859_1);
    }

    /**
     * The size of the literal a line ends with ({@code {123}}, RFC 9051 §4.3), or -1 when it ends with none.
     */
    public static long literalAtEnd(String line) throws FetchProtocolException {
        if (!line.endsWith("}")) return -1;
        int open = line.lastIndexOf('{');
        if (open < 0) return -1;
        String digits = line.substring(open + 1, line.length() - 1);
        if (digits.isEmpty() || digits.length() > MAX_DIGITS || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1; // text that merely ends in a brace, e.g. inside a human-readable reason
        }
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new FetchProtocolException("literal size out of range: " + shorten(digits));
        }
    }

    /** Splits a response line into its kind, tag and the rest (RFC 9051 §2.2.2). */
    public static Line line(String line) throws FetchProtocolException {
        if (line.startsWith("+")) {
            return new Line(Kind.CONTINUATION, "+", line.length() > 1 && line.charAt(1) == ' ' ? line.substring(2) : "");
        }
        int sp = line.indexOf(' ');
        if (sp <= 0) throw new FetchProtocolException("malformed response line: " + shorten(line));
        String tag = line.substring(0, sp);
        return new Line(tag.equals("*") ? Kind.UNTAGGED : Kind.TAGGED, tag, line.substring(sp + 1));
    }

    /** A status response: {@code OK}/{@code NO}/{@code BAD}/{@code BYE}/{@code PREAUTH}, optional {@code [code]}. */
    public static Status status(String rest) throws FetchProtocolException {
        int sp = rest.indexOf(' ');
        String cond = (sp < 0 ? rest : rest.substring(0, sp)).toUpperCase(Locale.ROOT);
        if (!cond.equals("OK") && !cond.equals("NO") && !cond.equals("BAD") && !cond.equals("BYE") && !cond.equals("PREAUTH")) {
            throw new FetchProtocolException("not a status response: " + shorten(rest));
        }
        String after = sp < 0 ? "" : rest.substring(sp + 1);
        Optional<String> code = Optional.empty();
        if (after.startsWith("[")) {
            int close = after.indexOf(']');
            if (close < 0) throw new FetchProtocolException("unterminated response code: " + shorten(rest));
            code = Optional.of(after.substring(1, close));
            after = after.substring(close + 1).strip();
        }
        return new Status(cond, code, after);
    }

    /** The UIDVALIDITY of {@code OK [UIDVALIDITY n]} (RFC 9051 §7.1), if this untagged response is one. */
    public static Optional<Long> uidValidity(String rest) throws FetchProtocolException {
        if (!rest.regionMatches(true, 0, "OK [UIDVALIDITY ", 0, 16)) return Optional.empty();
        Status s = status(rest);
        String[] parts = s.code().orElseThrow().split(" ");
        if (parts.length != 2) throw new FetchProtocolException("malformed UIDVALIDITY: " + shorten(rest));
        long v = number(parts[1]);
        // RFC 9051 §2.3.1.1: a non-zero 32-bit number
        if (v < 1 || v > 0xFFFF_FFFFL) throw new FetchProtocolException("UIDVALIDITY out of range: " + shorten(rest));
        return Optional.of(v);
    }

    /** The capabilities of an untagged {@code CAPABILITY} response (RFC 9051 §7.2.2), upper-cased; else empty. */
    public static Optional<java.util.Set<String>> capabilities(String rest) {
        if (!rest.regionMatches(true, 0, "CAPABILITY ", 0, 11)) return Optional.empty();
        java.util.Set<String> out = new java.util.HashSet<>();
        for (String c : rest.substring(11).split(" ")) {
            if (!c.isEmpty() && out.size() < 256) out.add(c.toUpperCase(Locale.ROOT));
        }
        return Optional.of(out);
    }

    /**
     * The atom- and number-valued items of an untagged {@code n FETCH (...)} response (RFC 9051 §7.5.2), by upper-cased
     * name, e.g. {@code UID} → {@code 12}, {@code RFC822.SIZE} → {@code 3456}; parenthesized and quoted values (FLAGS,
     * ENVELOPE) are skipped, a literal's marker is kept as {@code {n}}. Empty when the response is not a FETCH.
     */
    public static Optional<Map<String, String>> fetch(String rest) throws FetchProtocolException {
        int sp = rest.indexOf(' ');
        if (sp <= 0 || !rest.regionMatches(true, sp + 1, "FETCH ", 0, 6)) return Optional.empty();
        number(rest.substring(0, sp));
        int i = sp + 7;
        if (i >= rest.length() || rest.charAt(i) != '(') throw new FetchProtocolException("malformed FETCH: " + shorten(rest));
        i++;
        Map<String, String> items = new LinkedHashMap<>();
        while (true) {
            while (i < rest.length() && rest.charAt(i) == ' ') i++;
            if (i >= rest.length()) throw new FetchProtocolException("unterminated FETCH: " + shorten(rest));
            if (rest.charAt(i) == ')') {
                if (i != rest.length() - 1) throw new FetchProtocolException("text after FETCH: " + shorten(rest));
                return Optional.of(items);
            }
            int nameEnd = i;
            // a name may carry a section with spaces inside brackets: BODY[HEADER.FIELDS (FROM)]
            int depth = 0;
            while (nameEnd < rest.length() && (depth > 0 || rest.charAt(nameEnd) != ' ')) {
                char c = rest.charAt(nameEnd);
                if (c == '[') depth++;
                else if (c == ']') depth--;
                if (depth < 0 || c == '(' && depth == 0 || c == ')' && depth == 0) {
                    throw new FetchProtocolException("malformed FETCH item: " + shorten(rest));
                }
                nameEnd++;
            }
            if (nameEnd >= rest.length()) throw new FetchProtocolException("FETCH item without a value: " + shorten(rest));
            String name = rest.substring(i, nameEnd).toUpperCase(Locale.ROOT);
            i = nameEnd + 1;
            int end = valueEnd(rest, i);
            if (items.size() >= MAX_ITEMS) throw new FetchProtocolException("too many FETCH items");
            char first = rest.charAt(i);
            if (first != '(' && first != '"') items.put(name, rest.substring(i, end));
            i = end;
        }
    }

    /** Where the value starting at {@code i} ends: a parenthesized list, a quoted string, or an atom. */
    private static int valueEnd(String s, int i) throws FetchProtocolException {
        if (i >= s.length()) throw new FetchProtocolException("FETCH item without a value");
        char c = s.charAt(i);
        if (c == '"') {
            for (int j = i + 1; j < s.length(); j++) {
                char d = s.charAt(j);
                if (d == '\\') j++;
                else if (d == '"') return j + 1;
            }
            throw new FetchProtocolException("unterminated quoted string");
        }
        if (c == '(') {
            int depth = 0;
            boolean quoted = false;
            for (int j = i; j < s.length(); j++) {
                char d = s.charAt(j);
                if (quoted) {
                    if (d == '\\') j++;
                    else if (d == '"') quoted = false;
                } else if (d == '"') {
                    quoted = true;
                } else if (d == '(') {
                    depth++;
                } else if (d == ')' && --depth == 0) {
                    return j + 1;
                }
            }
            throw new FetchProtocolException("unbalanced parentheses");
        }
        int j = i;
        while (j < s.length() && s.charAt(j) != ' ' && s.charAt(j) != ')') j++;
        if (j == i) throw new FetchProtocolException("empty FETCH value");
        return j;
    }

    /** A non-negative decimal number of at most 19 digits. */
    public static long number(String s) throws FetchProtocolException {
        if (s.isEmpty() || s.length() > MAX_DIGITS || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new FetchProtocolException("not a number: " + shorten(s));
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new FetchProtocolException("number out of range: " + shorten(s));
        }
    }

    /** A piece of a stranger's text for an error message: bounded, printable. */
    public static String shorten(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 80; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        if (s.length() > 80) b.append("...");
        return b.toString();
    }

    /**
     * An IMAP string argument (RFC 9051 §4.3): quoted when it is printable ASCII, else empty (the caller sends a
     * literal).
     */
    public static Optional<String> quoted(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7E) return Optional.empty();
            if (c == '"' || c == '\\') b.append('\\');
            b.append(c);
        }
        return Optional.of(b.append('"').toString());
    }
}
