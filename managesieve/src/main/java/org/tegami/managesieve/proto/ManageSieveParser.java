package org.tegami.managesieve.proto;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import org.tegami.core.Utf8;

/**
 * Parses ManageSieve commands (RFC 5804 §4). Pure: no I/O and no session state.
 *
 * <p>The session reads a command as lines: when a line ends in a literal announcement ({@link #literalAt}), it reads
 * that many octets and the next line, and hands the whole command (lines joined by CRLF, literals in place, without
 * the final CRLF) to {@link #parse}. Limits: {@link #MAX_LINE} per line, {@link #MAX_QUOTED} per quoted string,
 * {@link #MAX_ARGUMENTS} arguments (so also literals) per command; the literal size limit is the session's.
 */
public final class ManageSieveParser {
    /** Longest command line (without literals) accepted, CRLF included; longer lines end the connection. */
    public static final int MAX_LINE = 8192;
    /** RFC 5804 §4: quoted strings are limited to 1024 octets between the quotes. */
    public static final int MAX_QUOTED = 1024;
    /** No command takes more than two strings (PUTSCRIPT, RENAMESCRIPT, AUTHENTICATE). */
    public static final int MAX_ARGUMENTS = 2;
    /** RFC 5804 §4: number = 1*DIGIT with a value below 4,294,967,296. */
    public static final long MAX_NUMBER = 4_294_967_295L;

    private ManageSieveParser() {}

    /**
     * The length of the literal that ends {@code line} ({@code {n+}} or {@code {n}}), if it ends in one.
     *
     * <p>RFC 5804 §1.2/§4: clients send non-synchronizing literals {@code {n+}}; the server never sends a
     * continuation. A plain {@code {n}} from a client is taken the same way, as Dovecot Pigeonhole does: the octets
     * follow at once.
     */
    public static OptionalLong literalAt(byte[] line) throws ManageSieveSyntaxException {
        int n = line.length;
        if (n < 3 || line[n - 1] != '}') return OptionalLong.empty();
        int end = n - 1;
        if (line[end - 1] == '+') end--;
        int start = end;
        while (start > 0 && line[start - 1] >= '0' && line[start - 1] <= '9') start--;
        if (start == 0 || line[start - 1] != '{') return OptionalLong.empty();
        if (start == end) throw new ManageSieveSyntaxException("Literal without a length");
        if (start - 1 > 0 && line[start - 2] != ' ') return OptionalLong.empty(); // inside a quoted string or atom
        return OptionalLong.of(number(line, start, end));
    }

    private static long number(byte[] b, int from, int to) throws ManageSieveSyntaxException {
        if (to - from > 10) throw new ManageSieveSyntaxException("Number too large");
        long v = 0;
        for (int i = from; i < to; i++) v = v * 10 + (b[i] - '0');
        if (v > MAX_NUMBER) throw new ManageSieveSyntaxException("Number too large");
        return v;
    }

    /** Parses one whole command. */
    public static ManageSieveCommand parse(byte[] command) throws ManageSieveSyntaxException {
        Cursor c = new Cursor(command);
        String keyword = c.atom().toUpperCase(Locale.ROOT);
        ManageSieveCommand cmd = switch (keyword) {
            case "AUTHENTICATE" -> {
                String mech = c.spaceString();
                Optional<String> ir = c.atEnd() ? Optional.empty() : Optional.of(c.spaceString());
                yield new ManageSieveCommand.Authenticate(mech, ir);
            }
            case "STARTTLS" -> new ManageSieveCommand.StartTls();
            case "LOGOUT" -> new ManageSieveCommand.Logout();
            case "CAPABILITY" -> new ManageSieveCommand.Capability();
            case "HAVESPACE" -> new ManageSieveCommand.HaveSpace(c.spaceString(), c.spaceNumber());
            case "PUTSCRIPT" -> new ManageSieveCommand.PutScript(c.spaceString(), c.spaceString());
            case "LISTSCRIPTS" -> new ManageSieveCommand.ListScripts();
            case "SETACTIVE" -> new ManageSieveCommand.SetActive(c.spaceString());
            case "GETSCRIPT" -> new ManageSieveCommand.GetScript(c.spaceString());
            case "DELETESCRIPT" -> new ManageSieveCommand.DeleteScript(c.spaceString());
            case "RENAMESCRIPT" -> new ManageSieveCommand.RenameScript(c.spaceString(), c.spaceString());
            case "CHECKSCRIPT" -> new ManageSieveCommand.CheckScript(c.spaceString());
            case "NOOP" -> new ManageSieveCommand.Noop(c.atEnd() ? Optional.empty() : Optional.of(c.spaceString()));
            case "UNAUTHENTICATE" -> new ManageSieveCommand.Unauthenticate();
            case "" -> throw new ManageSieveSyntaxException("Empty command");
            default -> throw new ManageSieveSyntaxException("Unknown command");
        };
        if (!c.atEnd()) throw new ManageSieveSyntaxException("Too many arguments");
        return cmd;
    }

    /**
     * Parses a client's line in a SASL exchange (RFC 5804 §2.1: {@code string}): a quoted string or a literal,
     * nothing else.
     */
    public static String parseSaslResponse(byte[] response) throws ManageSieveSyntaxException {
        Cursor c = new Cursor(response);
        String s = c.string();
        if (!c.atEnd()) throw new ManageSieveSyntaxException("Expected one string");
        return s;
    }

    /** Walks one command's bytes. */
    private static final class Cursor {
        private final byte[] b;
        private int pos;
        private int arguments;

        Cursor(byte[] b) {
            this.b = b;
        }

        boolean atEnd() {
            return pos == b.length;
        }

        String atom() throws ManageSieveSyntaxException {
            int start = pos;
            while (pos < b.length && isAlpha(b[pos])) pos++;
            if (pos < b.length && b[pos] != ' ') throw new ManageSieveSyntaxException("Invalid command name");
            return new String(b, start, pos - start, java.nio.charset.StandardCharsets.US_ASCII);
        }

        private static boolean isAlpha(byte c) {
            return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        }

        private void space() throws ManageSieveSyntaxException {
            if (atEnd()) throw new ManageSieveSyntaxException("Missing argument");
            if (b[pos] != ' ') throw new ManageSieveSyntaxException("Expected a space");
            pos++;
            if (++arguments > MAX_ARGUMENTS) throw new ManageSieveSyntaxException("Too many arguments");
        }

        String spaceString() throws ManageSieveSyntaxException {
            space();
            return string();
        }

        long spaceNumber() throws ManageSieveSyntaxException {
            space();
            int start = pos;
            while (pos < b.length && b[pos] >= '0' && b[pos] <= '9') pos++;
            if (start == pos) throw new ManageSieveSyntaxException("Expected a number");
            return number(b, start, pos);
        }

        /** {@code string = quoted / literal} (RFC 5804 §4). */
        String string() throws ManageSieveSyntaxException {
            if (atEnd()) throw new ManageSieveSyntaxException("Missing argument");
            return switch (b[pos]) {
                case '"' -> quoted();
                case '{' -> literal();
                default -> throw new ManageSieveSyntaxException("Expected a quoted string or a literal");
            };
        }

        private String quoted() throws ManageSieveSyntaxException {
            pos++;
            byte[] out = new byte[Math.min(MAX_QUOTED, b.length - pos)];
            int n = 0;
            while (true) {
                if (atEnd()) throw new ManageSieveSyntaxException("Unterminated quoted string");
                byte c = b[pos++];
                if (c == '"') break;
                // RFC 5804 §4: SAFE-CHAR excludes NUL, CR and LF; '\' escapes only '"' and '\'
                if (c == 0 || c == '\r' || c == '\n') throw new ManageSieveSyntaxException("Invalid character in quoted string");
                if (c == '\\') {
                    if (atEnd() || (b[pos] != '"' && b[pos] != '\\')) {
                        throw new ManageSieveSyntaxException("Invalid escape in quoted string");
                    }
                    c = b[pos++];
                }
                if (n == MAX_QUOTED) throw new ManageSieveSyntaxException("Quoted string too long (use a literal)");
                out[n++] = c;
            }
            return utf8(out, 0, n);
        }

        private String literal() throws ManageSieveSyntaxException {
            int open = pos++;
            int digits = pos;
            while (pos < b.length && b[pos] >= '0' && b[pos] <= '9') pos++;
            if (digits == pos) throw new ManageSieveSyntaxException("Literal without a length");
            long len = number(b, digits, pos);
            if (pos < b.length && b[pos] == '+') pos++;
            if (pos >= b.length || b[pos] != '}') throw new ManageSieveSyntaxException("Invalid literal");
            pos++;
            if (pos + 1 >= b.length || b[pos] != '\r' || b[pos + 1] != '\n') {
                throw new ManageSieveSyntaxException("A literal's length must end its line");
            }
            pos += 2;
            if (len > b.length - pos) throw new ManageSieveSyntaxException("Literal longer than the data sent (at " + open + ")");
            String s = utf8(b, pos, pos + (int) len);
            pos += (int) len;
            return s;
        }

        private static String utf8(byte[] bytes, int from, int to) throws ManageSieveSyntaxException {
            return Utf8.decode(bytes, from, to).orElseThrow(() -> new ManageSieveSyntaxException("Invalid UTF-8 in string"));
        }
    }
}
