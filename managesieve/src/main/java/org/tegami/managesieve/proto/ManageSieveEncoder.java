package org.tegami.managesieve.proto;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Turns responses into bytes (RFC 5804 §4). Pure. */
public final class ManageSieveEncoder {
    private ManageSieveEncoder() {}

    /** The three response kinds (RFC 5804 §1.2). */
    public enum Kind { OK, NO, BYE }

    /**
     * A string as the server sends it: quoted when it fits the quoted syntax (at most {@value
     * ManageSieveParser#MAX_QUOTED} octets, no CR, LF or NUL), else a literal {@code {n}} CRLF octets (RFC 5804 §4:
     * literal-s2c, never with "+").
     */
    public static String string(String s) {
        int octets = s.getBytes(StandardCharsets.UTF_8).length;
        boolean quotable = octets <= ManageSieveParser.MAX_QUOTED
                && s.chars().noneMatch(c -> c == '\r' || c == '\n' || c == 0);
        if (!quotable) return "{" + octets + "}\r\n" + s;
        StringBuilder q = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') q.append('\\');
            q.append(c);
        }
        return q.append('"').toString();
    }

    /**
     * One response line with CRLF: {@code OK}/{@code NO}/{@code BYE}, an optional response code in parentheses
     * (given as it goes on the wire, e.g. {@code QUOTA/MAXSIZE} or {@code TAG "x"}), and an optional human-readable
     * string.
     */
    public static String response(Kind kind, Optional<String> code, Optional<String> text) {
        StringBuilder b = new StringBuilder(kind.name());
        code.ifPresent(c -> b.append(" (").append(c).append(')'));
        text.ifPresent(t -> b.append(' ').append(string(t)));
        return b.append("\r\n").toString();
    }

    /** A capability line (RFC 5804 §1.7): the name, and its value when it has one. */
    public static String capability(String name, Optional<String> value) {
        return string(name) + value.map(v -> " " + string(v)).orElse("") + "\r\n";
    }
}
