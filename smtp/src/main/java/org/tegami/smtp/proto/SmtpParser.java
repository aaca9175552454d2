package org.tegami.smtp.proto;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.tegami.core.Utf8;
import org.tegami.mime.EmailAddress;

/**
 * Turns one command line (without its CRLF) into a {@link SmtpCommand}. Pure: no I/O, no session state.
 * Every failure is an {@link SmtpSyntaxException} carrying a 500/501/504/555 reply with an enhanced code.
 */
public final class SmtpParser {

    /** Leniency: accept {@code MAIL FROM: <a@b>} with spaces after the colon (sent by many older clients). */
    private static final boolean ALLOW_SPACE_AFTER_COLON = true;

    private SmtpParser() {}

    public static SmtpCommand parse(byte[] line) throws SmtpSyntaxException {
        for (byte b : line) {
            if (b == 0) throw new SmtpSyntaxException(501, "5.5.2", "NUL character not allowed");
        }
        String s = Utf8.decode(line).orElseThrow(() -> new SmtpSyntaxException(501, "5.5.2", "Invalid UTF-8 in command"));
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) throw new SmtpSyntaxException(501, "5.5.2", "Control character not allowed");
        }
        return parse(s);
    }

    public static SmtpCommand parse(String line) throws SmtpSyntaxException {
        int sp = line.indexOf(' ');
        String verb = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
        String arg = sp < 0 ? "" : line.substring(sp + 1);
        return switch (verb) {
            case "EHLO" -> new SmtpCommand.Ehlo(domainArg(arg, "EHLO"));
            case "HELO" -> new SmtpCommand.Helo(domainArg(arg, "HELO"));
            case "MAIL" -> mail(arg);
            case "RCPT" -> rcpt(arg);
            case "DATA" -> noArg(arg, new SmtpCommand.Data());
            case "BDAT" -> bdat(arg);
            case "RSET" -> noArg(arg, new SmtpCommand.Rset());
            case "NOOP" -> new SmtpCommand.Noop(); // RFC 5321 §4.1.1.9: a parameter may be given and is ignored
            case "QUIT" -> noArg(arg, new SmtpCommand.Quit());
            case "VRFY" -> {
                if (arg.isBlank()) throw new SmtpSyntaxException(501, "5.5.4", "Syntax: VRFY <address>");
                yield new SmtpCommand.Vrfy(arg.strip());
            }
            case "HELP" -> new SmtpCommand.Help(arg.strip());
            case "STARTTLS" -> noArg(arg, new SmtpCommand.StartTls());
            case "AUTH" -> auth(arg);
            default -> throw new SmtpSyntaxException(500, "5.5.2", "Command not recognized");
        };
    }

    private static SmtpCommand noArg(String arg, SmtpCommand cmd) throws SmtpSyntaxException {
        if (!arg.isBlank()) throw new SmtpSyntaxException(501, "5.5.4", "Syntax error: no parameters allowed");
        return cmd;
    }

    private static String domainArg(String arg, String verb) throws SmtpSyntaxException {
        String d = arg.strip();
        if (d.isEmpty() || d.contains(" ")) throw new SmtpSyntaxException(501, "5.5.4", "Syntax: " + verb + " hostname");
        // RFC 5321 §4.1.4: the argument is informational; we only require a plausible domain or address literal.
        if (!EmailAddress.validDomain(d)) throw new SmtpSyntaxException(501, "5.5.4", "Invalid domain name");
        return d;
    }

    private static SmtpCommand mail(String arg) throws SmtpSyntaxException {
        String rest = prefix(arg, "FROM:", "Syntax: MAIL FROM:<address>");
        Path p = path(rest, true);
        return new SmtpCommand.Mail(p.address, params(p.rest));
    }

    private static SmtpCommand rcpt(String arg) throws SmtpSyntaxException {
        String rest = prefix(arg, "TO:", "Syntax: RCPT TO:<address>");
        Path p = path(rest, false);
        return new SmtpCommand.Rcpt(p.address, params(p.rest));
    }

    private static String prefix(String arg, String want, String usage) throws SmtpSyntaxException {
        if (arg.length() < want.length() || !arg.substring(0, want.length()).equalsIgnoreCase(want)) {
            throw new SmtpSyntaxException(501, "5.5.4", usage);
        }
        String rest = arg.substring(want.length());
        if (ALLOW_SPACE_AFTER_COLON) rest = rest.stripLeading();
        return rest;
    }

    private record Path(Optional<EmailAddress> address, String rest) {}

    /** RFC 5321 §4.1.2 Path / Reverse-path, with source routes accepted and ignored (§4.1.1.3, Appendix C). */
    private static Path path(String s, boolean reverse) throws SmtpSyntaxException {
        String what = reverse ? "sender" : "recipient";
        if (!s.startsWith("<")) throw new SmtpSyntaxException(501, reverse ? "5.1.7" : "5.1.3", "Syntax error in " + what + " address: angle brackets required");
        int end = closingBracket(s);
        if (end < 0) throw new SmtpSyntaxException(501, reverse ? "5.1.7" : "5.1.3", "Syntax error in " + what + " address: missing '>'");
        String inner = s.substring(1, end);
        String rest = s.substring(end + 1);
        if (!rest.isEmpty() && !rest.startsWith(" ")) {
            throw new SmtpSyntaxException(501, "5.5.4", "Syntax error after " + what + " address");
        }
        if (inner.isEmpty()) {
            if (!reverse) throw new SmtpSyntaxException(501, "5.1.3", "Empty recipient address");
            return new Path(Optional.empty(), rest.strip());
        }
        if (inner.startsWith("@")) { // source route: @a,@b:user@c
            int colon = inner.indexOf(':');
            if (colon < 0) throw new SmtpSyntaxException(501, reverse ? "5.1.7" : "5.1.3", "Bad source route");
            inner = inner.substring(colon + 1);
        }
        if (!reverse && inner.equalsIgnoreCase("postmaster")) return new Path(Optional.empty(), rest.strip());
        Optional<EmailAddress> a = EmailAddress.parse(inner);
        if (a.isEmpty()) {
            throw new SmtpSyntaxException(501, reverse ? "5.1.7" : "5.1.3", "Bad " + what + " address syntax");
        }
        return new Path(a, rest.strip());
    }

    private static int closingBracket(String s) {
        boolean quoted = false;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted && c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '>' && !quoted) {
                return i;
            }
        }
        return -1;
    }

    /** RFC 5321 §4.1.2 Mail-parameters: {@code keyword[=value]} separated by spaces. */
    static Map<String, String> params(String s) throws SmtpSyntaxException {
        Map<String, String> out = new LinkedHashMap<>();
        if (s.isBlank()) return out;
        for (String p : s.strip().split(" +")) {
            int eq = p.indexOf('=');
            String key = (eq < 0 ? p : p.substring(0, eq)).toUpperCase(Locale.ROOT);
            String value = eq < 0 ? null : p.substring(eq + 1);
            if (key.isEmpty() || !Character.isLetterOrDigit(key.charAt(0))
                    || !key.chars().allMatch(c -> c < 0x80 && (Character.isLetterOrDigit(c) || c == '-'))) {
                throw new SmtpSyntaxException(501, "5.5.4", "Bad parameter syntax");
            }
            if (value != null && (value.isEmpty() || !value.chars().allMatch(c -> c > 0x20 && c != '='))) {
                throw new SmtpSyntaxException(501, "5.5.4", "Bad parameter value for " + key);
            }
            if (out.putIfAbsent(key, value) != null) {
                throw new SmtpSyntaxException(501, "5.5.4", "Duplicate parameter " + key);
            }
        }
        return out;
    }

    private static SmtpCommand bdat(String arg) throws SmtpSyntaxException {
        String[] parts = arg.strip().split(" +");
        if (arg.isBlank() || parts.length > 2) throw new SmtpSyntaxException(501, "5.5.4", "Syntax: BDAT size [LAST]");
        long size;
        try {
            if (!parts[0].chars().allMatch(Character::isDigit) || parts[0].length() > 18) throw new NumberFormatException();
            size = Long.parseLong(parts[0]);
        } catch (NumberFormatException e) {
            throw new SmtpSyntaxException(501, "5.5.4", "Syntax: BDAT size [LAST]");
        }
        boolean last = false;
        if (parts.length == 2) {
            if (!parts[1].equalsIgnoreCase("LAST")) throw new SmtpSyntaxException(501, "5.5.4", "Syntax: BDAT size [LAST]");
            last = true;
        }
        return new SmtpCommand.Bdat(size, last);
    }

    private static SmtpCommand auth(String arg) throws SmtpSyntaxException {
        String[] parts = arg.strip().split(" +");
        if (arg.isBlank() || parts.length > 2) throw new SmtpSyntaxException(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");
        String mech = parts[0].toUpperCase(Locale.ROOT);
        return new SmtpCommand.Auth(mech, parts.length == 2 ? Optional.of(parts[1]) : Optional.empty());
    }
}
