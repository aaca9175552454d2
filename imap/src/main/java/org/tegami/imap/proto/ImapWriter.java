package org.tegami.imap.proto;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Encodes strings for server responses (RFC 9051 §4.3): atom, quoted string or literal, whichever is valid.
 * {@code utf8} says whether the client accepts UTF-8 in quoted strings (IMAP4rev2 or UTF8=ACCEPT, RFC 6855);
 * without it, non-ASCII text goes out as a literal.
 */
public final class ImapWriter {
    /** Longer strings go out as literals, so that response lines stay short. */
    static final int MAX_QUOTED = 1024;

    private ImapWriter() {}

    /** Whether the text can be sent as a quoted string. */
    public static boolean canQuote(String s, boolean utf8) {
        if (s.length() > MAX_QUOTED) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            // RFC 9051 §9 QUOTED-CHAR: any TEXT-CHAR (no CR, LF, NUL); 8-bit only when UTF-8 is accepted
            if (c == 0 || c == '\r' || c == '\n' || (c >= 0x80 && !utf8)) return false;
        }
        return true;
    }

    /** A quoted string with {@code "} and {@code \} escaped; rejects text that {@link #canQuote} refuses. */
    public static String quoted(String s) {
        if (!canQuote(s, true)) throw new IllegalArgumentException("cannot be quoted");
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') sb.append('\\');
            sb.append(c);
        }
        return sb.append('"').toString();
    }

    /** A synchronizing-form literal {@code {n}CRLF} followed by the UTF-8 octets. */
    public static String literal(String s) {
        return "{" + s.getBytes(StandardCharsets.UTF_8).length + "}\r\n" + s;
    }

    /** A string: quoted when possible, otherwise a literal. */
    public static String string(String s, boolean utf8) {
        return canQuote(s, utf8) ? quoted(s) : literal(s);
    }

    /** An astring: a bare atom when every character allows it (and it is not {@code NIL}), else a string. */
    public static String astring(String s, boolean utf8) {
        boolean atom = !s.isEmpty() && !s.equalsIgnoreCase("NIL")
                && s.chars().allMatch(ImapLexer::astringChar);
        return atom ? s : string(s, utf8);
    }

    /** {@code NIL} for empty, else a string. */
    public static String nstring(Optional<String> s, boolean utf8) {
        return s.isEmpty() ? "NIL" : string(s.get(), utf8);
    }

    /** A mailbox name as an astring, modified UTF-7 encoded for clients that did not enable UTF-8. */
    public static String mailbox(String name, boolean utf8) {
        return astring(utf8 ? name : MailboxName.encodeModifiedUtf7(name), utf8);
    }
}
