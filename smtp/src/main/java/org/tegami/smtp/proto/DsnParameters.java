package org.tegami.smtp.proto;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The DSN extension's MAIL and RCPT parameters (RFC 3461 §4): syntax only, turned into records, with the limits
 * of the RFC. A bad value is a {@link SmtpSyntaxException} with {@code 501 5.5.4}. Values are the raw strings of
 * {@link SmtpParser#params}; xtext (§4) is decoded here and encoded back with {@link #xtext}.
 */
public final class DsnParameters {
    /** RFC 3461 §4.4: ENVID is at most 100 characters (of xtext, as sent). */
    public static final int MAX_ENVID = 100;
    /** RFC 3461 §4.2: the ORCPT parameter (type, ";" and xtext) is at most 500 characters. */
    public static final int MAX_ORCPT = 500;

    private DsnParameters() {}

    /** RFC 3461 §4.3: what the sender gets back. */
    public enum Ret { FULL, HDRS }

    /** RFC 3461 §4.1: when the sender is notified. An empty set is NEVER. */
    public enum Notify { SUCCESS, FAILURE, DELAY }

    /** MAIL parameters: RET and ENVID (decoded), each optional. */
    public record Mail(Optional<Ret> ret, Optional<String> envid) {
        public static final Mail NONE = new Mail(Optional.empty(), Optional.empty());
    }

    /**
     * RCPT parameters. {@code notifyOn} empty means the parameter was absent (the server's default: FAILURE and
     * perhaps DELAY, §4.1); present and empty means NEVER. {@code orcptType} is the address type (e.g. "rfc822"),
     * {@code orcpt} the decoded address.
     */
    public record Rcpt(Optional<Set<Notify>> notifyOn, Optional<String> orcptType, Optional<String> orcpt) {
        public static final Rcpt NONE = new Rcpt(Optional.empty(), Optional.empty(), Optional.empty());

        public Rcpt {
            notifyOn = notifyOn.map(Set::copyOf);
        }
    }

    /** Parses {@code RET=} and {@code ENVID=} values (null when the parameter is absent). */
    public static Mail mail(String ret, String envid) throws SmtpSyntaxException {
        Optional<Ret> r = Optional.empty();
        if (ret != null) {
            r = Optional.of(switch (ret.toUpperCase(Locale.ROOT)) {
                case "FULL" -> Ret.FULL;
                case "HDRS" -> Ret.HDRS;
                default -> throw bad("RET must be FULL or HDRS");
            });
        }
        Optional<String> e = Optional.empty();
        if (envid != null) {
            if (envid.length() > MAX_ENVID) throw bad("ENVID longer than " + MAX_ENVID + " characters"); // §4.4
            e = Optional.of(decode(envid, "ENVID"));
        }
        return new Mail(r, e);
    }

    /** Parses {@code NOTIFY=} and {@code ORCPT=} values (null when the parameter is absent). */
    public static Rcpt rcpt(String notify, String orcpt) throws SmtpSyntaxException {
        Optional<Set<Notify>> n = Optional.empty();
        if (notify != null) {
            // RFC 3461 §4.1: "NEVER" alone, or a comma-separated list of SUCCESS, FAILURE, DELAY.
            if (notify.equalsIgnoreCase("NEVER")) {
                n = Optional.of(Set.of());
            } else {
                EnumSet<Notify> set = EnumSet.noneOf(Notify.class);
                String[] parts = notify.split(",", -1);
                if (parts.length > 3) throw bad("NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY");
                for (String p : parts) {
                    Notify v = switch (p.toUpperCase(Locale.ROOT)) {
                        case "SUCCESS" -> Notify.SUCCESS;
                        case "FAILURE" -> Notify.FAILURE;
                        case "DELAY" -> Notify.DELAY;
                        default -> throw bad("NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY");
                    };
                    if (!set.add(v)) throw bad("NOTIFY names " + v + " twice");
                }
                n = Optional.of(set);
            }
        }
        Optional<String> type = Optional.empty();
        Optional<String> address = Optional.empty();
        if (orcpt != null) {
            if (orcpt.length() > MAX_ORCPT) throw bad("ORCPT longer than " + MAX_ORCPT + " characters"); // §4.2
            int semi = orcpt.indexOf(';');
            // addr-type is an atom (RFC 3461 §4.2, RFC 5322 atext); the address an xtext that is not empty.
            if (semi <= 0 || semi == orcpt.length() - 1) throw bad("ORCPT must be addr-type;address");
            String t = orcpt.substring(0, semi);
            if (!t.chars().allMatch(DsnParameters::atext)) throw bad("ORCPT address type is not an atom");
            type = Optional.of(t.toLowerCase(Locale.ROOT));
            address = Optional.of(decode(orcpt.substring(semi + 1), "ORCPT"));
        }
        return new Rcpt(n, type, address);
    }

    /**
     * RFC 3461 §4: xtext = *( xchar / hexchar ), xchar any of "!" to "~" except "+" and "=", hexchar "+" and two
     * upper-case hex digits. The decoded value must be printable US-ASCII too (no control characters: the value is
     * echoed into a DSN's header-like fields).
     */
    static String decode(String xtext, String what) throws SmtpSyntaxException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(xtext.length());
        for (int i = 0; i < xtext.length(); i++) {
            char c = xtext.charAt(i);
            if (c == '+') {
                if (i + 2 >= xtext.length()) throw bad(what + ": bad xtext escape");
                int hi = hex(xtext.charAt(i + 1));
                int lo = hex(xtext.charAt(i + 2));
                if (hi < 0 || lo < 0) throw bad(what + ": bad xtext escape");
                int b = hi * 16 + lo;
                if (b < 0x20 || b > 0x7e) throw bad(what + ": control or non-ASCII character");
                out.write(b);
                i += 2;
            } else if (c >= '!' && c <= '~' && c != '=') {
                out.write(c);
            } else {
                throw bad(what + ": bad xtext character");
            }
        }
        return out.toString(StandardCharsets.US_ASCII);
    }

    /** The xtext form of printable US-ASCII {@code s} (RFC 3461 §4), for relaying the parameter onward. */
    public static String xtext(String s) {
        return org.tegami.store.EnvelopeParams.xtext(s);
    }

    /** Upper-case hex only: RFC 3461 §4 hexchar uses "A"–"F". */
    private static int hex(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    private static boolean atext(int c) {
        return c < 0x80 && (Character.isLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0);
    }

    private static SmtpSyntaxException bad(String text) {
        return new SmtpSyntaxException(501, "5.5.4", text);
    }
}
