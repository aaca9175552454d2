package org.tegami.sieve;

import java.util.ArrayList;
import java.util.List;

/** Splits a script into tokens (RFC 5228 §8.1), within {@link SieveLimits#tokens()} and string length. */
final class Lexer {
    enum Kind { IDENT, TAG, NUMBER, STRING, MULTILINE, LBRACKET, RBRACKET, LPAREN, RPAREN, LBRACE, RBRACE, COMMA, SEMI, EOF }

    record Token(Kind kind, String text, long number, int line, int column) {}

    private final String s;
    private final SieveLimits limits;
    private int pos;
    private int line = 1;
    private int lineStart;

    private Lexer(String s, SieveLimits limits) {
        this.s = s;
        this.limits = limits;
    }

    static List<Token> tokens(String source, SieveLimits limits) throws SieveException {
        if (source.length() > limits.scriptSize()) {
            throw new SieveException(1, 1, "script larger than " + limits.scriptSize() + " characters");
        }
        int nul = source.indexOf('\0');
        if (nul >= 0) {
            // RFC 5228 §8.1: no octet of a script is NUL
            int line = 1, start = 0;
            for (int i = 0; i < nul; i++) if (source.charAt(i) == '\n') { line++; start = i + 1; }
            throw new SieveException(line, nul - start + 1, "NUL character in script");
        }
        Lexer l = new Lexer(source, limits);
        // a byte order mark some editors write is not part of the script
        if (source.startsWith("\uFEFF")) l.pos = l.lineStart = 1;
        List<Token> out = new ArrayList<>();
        while (true) {
            Token t = l.next();
            out.add(t);
            if (t.kind == Kind.EOF) return out;
            if (out.size() > limits.tokens()) throw new SieveException(t.line, t.column, "more than " + limits.tokens() + " tokens");
        }
    }

    private int col() {
        return pos - lineStart + 1;
    }

    private SieveException err(String m) {
        return new SieveException(line, col(), m);
    }

    private void newline() {
        line++;
        lineStart = pos;
    }

    private Token next() throws SieveException {
        skipSpace();
        int l = line, c = col();
        if (pos >= s.length()) return new Token(Kind.EOF, "", 0, l, c);
        char ch = s.charAt(pos);
        Kind single = switch (ch) {
            case '[' -> Kind.LBRACKET;
            case ']' -> Kind.RBRACKET;
            case '(' -> Kind.LPAREN;
            case ')' -> Kind.RPAREN;
            case '{' -> Kind.LBRACE;
            case '}' -> Kind.RBRACE;
            case ',' -> Kind.COMMA;
            case ';' -> Kind.SEMI;
            default -> null;
        };
        if (single != null) {
            pos++;
            return new Token(single, String.valueOf(ch), 0, l, c);
        }
        if (ch == '"') return quoted(l, c);
        if (ch == ':') {
            pos++;
            if (pos >= s.length() || !identStart(s.charAt(pos))) throw err("':' must start a tag");
            return new Token(Kind.TAG, ident(), 0, l, c);
        }
        if (ch >= '0' && ch <= '9') return number(l, c);
        if (identStart(ch)) {
            String id = ident();
            if (id.equalsIgnoreCase("text") && pos < s.length() && s.charAt(pos) == ':') {
                pos++;
                return multiline(l, c);
            }
            return new Token(Kind.IDENT, id, 0, l, c);
        }
        throw err("unexpected character '" + (ch < 0x20 || ch > 0x7e ? String.format("\\u%04x", (int) ch) : ch) + "'");
    }

    private static boolean identStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    private String ident() {
        int start = pos;
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (identStart(c) || (c >= '0' && c <= '9')) pos++;
            else break;
        }
        return s.substring(start, pos);
    }

    private void skipSpace() throws SieveException {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\r') {
                pos++;
            } else if (c == '\n') {
                pos++;
                newline();
            } else if (c == '#') {
                while (pos < s.length() && s.charAt(pos) != '\n') pos++;
            } else if (c == '/' && pos + 1 < s.length() && s.charAt(pos + 1) == '*') {
                int l = line, cc = col();
                pos += 2;
                // RFC 5228 §2.3: bracketed comments do not nest
                while (true) {
                    if (pos >= s.length()) throw new SieveException(l, cc, "unterminated comment");
                    char d = s.charAt(pos);
                    if (d == '*' && pos + 1 < s.length() && s.charAt(pos + 1) == '/') {
                        pos += 2;
                        break;
                    }
                    pos++;
                    if (d == '\n') newline();
                }
            } else {
                return;
            }
        }
    }

    private Token number(int l, int c) throws SieveException {
        long v = 0;
        while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
            v = v * 10 + (s.charAt(pos++) - '0');
            if (v > Integer.MAX_VALUE * 1024L * 1024L) throw new SieveException(l, c, "number too large");
        }
        if (pos < s.length()) {
            // RFC 5228 §2.4.1: K, M, G quantifiers
            int shift = switch (s.charAt(pos)) {
                case 'K', 'k' -> 10;
                case 'M', 'm' -> 20;
                case 'G', 'g' -> 30;
                default -> 0;
            };
            if (shift > 0) {
                pos++;
                if (v > (Long.MAX_VALUE >> shift)) throw new SieveException(l, c, "number too large");
                v <<= shift;
            }
            if (pos < s.length() && (identStart(s.charAt(pos)) || Character.isDigit(s.charAt(pos)))) {
                throw err("bad number");
            }
        }
        return new Token(Kind.NUMBER, "", v, l, c);
    }

    private Token quoted(int l, int c) throws SieveException {
        pos++;
        StringBuilder b = new StringBuilder();
        while (true) {
            if (pos >= s.length()) throw new SieveException(l, c, "unterminated string");
            char ch = s.charAt(pos++);
            if (ch == '"') break;
            if (ch == '\\') {
                if (pos >= s.length()) throw new SieveException(l, c, "unterminated string");
                // RFC 5228 §2.4.2: "\\" and "\"" are escapes; a backslash before anything else is dropped
                ch = s.charAt(pos++);
            }
            if (ch == '\n') newline();
            b.append(ch);
            if (b.length() > limits.stringLength()) throw new SieveException(l, c, "string longer than " + limits.stringLength());
        }
        return new Token(Kind.STRING, b.toString(), 0, l, c);
    }

    private Token multiline(int l, int c) throws SieveException {
        // RFC 5228 §8.1: "text:" *(SP / HTAB) (hash-comment / CRLF), lines, then "." CRLF; ".." stands for "."
        while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t')) pos++;
        if (pos < s.length() && s.charAt(pos) == '#') {
            while (pos < s.length() && s.charAt(pos) != '\n') pos++;
        }
        if (pos < s.length() && s.charAt(pos) == '\r') pos++;
        if (pos >= s.length() || s.charAt(pos) != '\n') throw err("text: must be followed by a line break");
        pos++;
        newline();
        StringBuilder b = new StringBuilder();
        while (true) {
            if (pos >= s.length()) throw new SieveException(l, c, "unterminated multi-line string");
            int eol = s.indexOf('\n', pos);
            int end = eol < 0 ? s.length() : eol;
            int contentEnd = end > pos && s.charAt(end - 1) == '\r' ? end - 1 : end;
            String lineText = s.substring(pos, contentEnd);
            pos = eol < 0 ? s.length() : eol + 1;
            if (eol >= 0) newline();
            if (lineText.equals(".")) break;
            if (eol < 0) throw new SieveException(l, c, "unterminated multi-line string");
            // RFC 5228 §8.1: the leading "." of a line is removed only when another "." follows it
            b.append(lineText.startsWith("..") ? lineText.substring(1) : lineText).append("\r\n");
            if (b.length() > limits.stringLength()) throw new SieveException(l, c, "string longer than " + limits.stringLength());
        }
        return new Token(Kind.MULTILINE, b.toString(), 0, l, c);
    }
}
