package org.tegami.fetch.proto;

import java.util.Optional;

/**
 * The POP3 server replies (RFC 1939) the fetcher reads, parsed from one line (CRLF cut). Pure; throws
 * {@link FetchProtocolException} on malformed input, nothing else.
 */
public final class Pop3Replies {
    /** RFC 1939 §7: a unique-id is 1 to 70 characters in 0x21..0x7E. */
    public static final int MAX_UIDL = 70;

    private Pop3Replies() {}

    /** One line of a UIDL or LIST listing: message number and its unique id or size. */
    public record Entry(int number, String value) {}

    /** Whether a status line is positive ({@code +OK}); throws when it is neither {@code +OK} nor {@code -ERR}. */
    public static boolean ok(String line) throws FetchProtocolException {
        // RFC 1939 §3: status indicators are upper case
        if (line.equals("+OK") || line.startsWith("+OK ")) return true;
        if (line.equals("-ERR") || line.startsWith("-ERR ")) return false;
        throw new FetchProtocolException("not a POP3 status line: " + ImapResponses.shorten(line));
    }

    /** An authentication failure's response code (RFC 3206 §4: {@code [AUTH]}, {@code [SYS/TEMP]}), if any. */
    public static Optional<String> code(String line) {
        int open = line.indexOf(" [");
        int close = line.indexOf(']');
        return open >= 0 && close > open ? Optional.of(line.substring(open + 2, close)) : Optional.empty();
    }

    /** A line of a UIDL listing (RFC 1939 §7): {@code n unique-id}. */
    public static Entry uidl(String line) throws FetchProtocolException {
        Entry e = entry(line);
        String u = e.value();
        if (u.isEmpty() || u.length() > MAX_UIDL || !u.chars().allMatch(c -> c >= 0x21 && c <= 0x7E)) {
            throw new FetchProtocolException("malformed unique-id: " + ImapResponses.shorten(line));
        }
        return e;
    }

    /** A line of a LIST listing (RFC 1939 §5): {@code n size}, the size as a number. */
    public static Entry list(String line) throws FetchProtocolException {
        Entry e = entry(line);
        ImapResponses.number(e.value());
        return e;
    }

    private static Entry entry(String line) throws FetchProtocolException {
        String[] parts = line.split(" ", -1);
        // RFC 2449 §6.9 lets a listing carry more after the second field; nothing we need
        if (parts.length < 2) throw new FetchProtocolException("malformed listing line: " + ImapResponses.shorten(line));
        long n = ImapResponses.number(parts[0]);
        if (n < 1 || n > Integer.MAX_VALUE) throw new FetchProtocolException("message number out of range: " + ImapResponses.shorten(line));
        return new Entry((int) n, parts[1]);
    }
}
