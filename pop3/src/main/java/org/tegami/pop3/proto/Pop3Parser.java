package org.tegami.pop3.proto;

import java.util.Locale;
import java.util.Optional;
import org.tegami.core.Utf8;

/** Parses one POP3 command line (without CRLF). Pure: no I/O, no session state. */
public final class Pop3Parser {
    /** RFC 2449 §4: a command line is at most 255 octets including CRLF. */
    public static final int MAX_LINE = 255;

    /** Largest message number accepted in syntax; a mailbox never has more. */
    private static final int MAX_NUMBER_DIGITS = 9;

    private Pop3Parser() {}

    public static Pop3Command parse(byte[] line) throws Pop3SyntaxException {
        String s = Utf8.decode(line).orElseThrow(() -> new Pop3SyntaxException("Invalid UTF-8 in command"));
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) throw new Pop3SyntaxException("Invalid character in command");
        }
        return parse(s);
    }

    public static Pop3Command parse(String line) throws Pop3SyntaxException {
        int sp = line.indexOf(' ');
        String keyword = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
        String arg = sp < 0 ? "" : line.substring(sp + 1);
        return switch (keyword) {
            // RFC 1939 §7: USER and PASS take the rest of the line; passwords may contain spaces.
            case "USER" -> new Pop3Command.User(required(arg, "USER name"));
            case "PASS" -> new Pop3Command.Pass(required(arg, "PASS password"));
            case "STAT" -> none(arg, new Pop3Command.Stat());
            case "LIST" -> new Pop3Command.List(optionalNumber(arg));
            case "RETR" -> new Pop3Command.Retr(number(arg));
            case "DELE" -> new Pop3Command.Dele(number(arg));
            case "NOOP" -> none(arg, new Pop3Command.Noop());
            case "RSET" -> none(arg, new Pop3Command.Rset());
            case "QUIT" -> none(arg, new Pop3Command.Quit());
            case "TOP" -> top(arg);
            case "UIDL" -> new Pop3Command.Uidl(optionalNumber(arg));
            case "CAPA" -> none(arg, new Pop3Command.Capa());
            case "STLS" -> none(arg, new Pop3Command.Stls());
            case "UTF8" -> none(arg, new Pop3Command.Utf8());
            case "AUTH" -> auth(arg);
            default -> throw new Pop3SyntaxException("Unknown command");
        };
    }

    private static String required(String arg, String usage) throws Pop3SyntaxException {
        if (arg.isEmpty()) throw new Pop3SyntaxException("Syntax: " + usage);
        return arg;
    }

    private static Pop3Command none(String arg, Pop3Command c) throws Pop3SyntaxException {
        if (!arg.isEmpty()) throw new Pop3SyntaxException("No arguments allowed");
        return c;
    }

    private static int number(String arg) throws Pop3SyntaxException {
        if (arg.isEmpty() || arg.length() > MAX_NUMBER_DIGITS || !arg.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new Pop3SyntaxException("Invalid message number");
        }
        int n = Integer.parseInt(arg);
        if (n < 1) throw new Pop3SyntaxException("Invalid message number");
        return n;
    }

    private static Optional<Integer> optionalNumber(String arg) throws Pop3SyntaxException {
        return arg.isEmpty() ? Optional.empty() : Optional.of(number(arg));
    }

    private static Pop3Command top(String arg) throws Pop3SyntaxException {
        String[] p = arg.split(" ", -1);
        if (p.length != 2) throw new Pop3SyntaxException("Syntax: TOP msg n");
        int msg = number(p[0]);
        if (p[1].isEmpty() || p[1].length() > MAX_NUMBER_DIGITS || !p[1].chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new Pop3SyntaxException("Invalid line count");
        }
        return new Pop3Command.Top(msg, Integer.parseInt(p[1]));
    }

    private static Pop3Command auth(String arg) throws Pop3SyntaxException {
        if (arg.isEmpty()) return new Pop3Command.Auth(Optional.empty(), Optional.empty());
        String[] p = arg.split(" ", -1);
        if (p.length > 2 || p[0].isEmpty()) throw new Pop3SyntaxException("Syntax: AUTH mechanism [initial-response]");
        return new Pop3Command.Auth(Optional.of(p[0].toUpperCase(Locale.ROOT)),
                p.length == 2 ? Optional.of(p[1]) : Optional.empty());
    }
}
