package org.tegami.mailauth.spf;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed SPF record (RFC 7208 §4.6, grammar in §12): its directives in order, and the redirect and exp
 * modifiers. Parsing checks the whole record, so a syntax error anywhere is a permerror even when an earlier
 * mechanism would have matched (§4.6).
 */
public record SpfRecord(List<Directive> directives, MacroString redirect, MacroString exp) {
    /** The longest record accepted (TXT strings joined). Real records stay under 512 octets (§3.4). */
    public static final int MAX_LENGTH = 4096;
    /** The most terms (directives and modifiers) accepted in one record. */
    public static final int MAX_TERMS = 128;

    /** Qualifiers (§4.6.2) and the result each gives on a match. */
    public enum Qualifier {
        PASS(SpfResult.PASS), FAIL(SpfResult.FAIL), SOFTFAIL(SpfResult.SOFTFAIL), NEUTRAL(SpfResult.NEUTRAL);

        final SpfResult result;

        Qualifier(SpfResult result) {
            this.result = result;
        }
    }

    /** The mechanisms of §5; a null domain means the current domain. */
    public sealed interface Mechanism {
        record All() implements Mechanism {}
        record Include(MacroString domain) implements Mechanism {}
        record A(MacroString domain, int cidr4, int cidr6) implements Mechanism {}
        record Mx(MacroString domain, int cidr4, int cidr6) implements Mechanism {}
        record Ptr(MacroString domain) implements Mechanism {}
        record Ip4(byte[] network, int cidr) implements Mechanism {}
        record Ip6(byte[] network, int cidr) implements Mechanism {}
        record Exists(MacroString domain) implements Mechanism {}
    }

    /** A qualifier and a mechanism. */
    public record Directive(Qualifier qualifier, Mechanism mechanism) {
        /** True for the mechanisms that query DNS and so count against the limit of 10 (§4.6.4). */
        boolean queriesDns() {
            return !(mechanism instanceof Mechanism.All || mechanism instanceof Mechanism.Ip4 || mechanism instanceof Mechanism.Ip6);
        }
    }

    private static final Pattern MODIFIER = Pattern.compile("([A-Za-z][A-Za-z0-9_.-]*)=(.*)", Pattern.DOTALL);
    private static final Pattern DUAL_CIDR = Pattern.compile("(.*?)(?:/(0|[1-9][0-9]{0,2}))?(?://(0|[1-9][0-9]{0,2}))?", Pattern.DOTALL);
    private static final Pattern TOPLABEL = Pattern.compile("[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9]");

    /** True when a TXT record is an SPF record: "v=spf1" followed by a space or nothing (§4.5). */
    public static boolean isSpf(String txt) {
        return txt.regionMatches(true, 0, "v=spf1", 0, 6) && (txt.length() == 6 || txt.charAt(6) == ' ');
    }

    public static SpfRecord parse(String text) throws SpfSyntaxException {
        if (text.length() > MAX_LENGTH) throw new SpfSyntaxException("record longer than " + MAX_LENGTH);
        if (!isSpf(text)) throw new SpfSyntaxException("not an SPF record");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            // RFC 7208 §3.1 (ASCII only) and §4.6.1 (terms are separated by spaces, no other control character)
            if (c < 0x20 || c > 0x7e) throw new SpfSyntaxException("non-ASCII or control character in record");
        }
        List<Directive> directives = new ArrayList<>();
        MacroString redirect = null, exp = null;
        int terms = 0;
        for (String term : text.substring(6).split(" ")) {
            if (term.isEmpty()) continue;
            if (++terms > MAX_TERMS) throw new SpfSyntaxException("more than " + MAX_TERMS + " terms");
            Matcher m = MODIFIER.matcher(term);
            if (m.matches()) {
                String name = m.group(1).toLowerCase(Locale.ROOT);
                String value = m.group(2);
                switch (name) {
                    case "redirect" -> {
                        if (redirect != null) throw new SpfSyntaxException("redirect twice"); // RFC 7208 §6
                        redirect = domainSpec(value);
                    }
                    case "exp" -> {
                        if (exp != null) throw new SpfSyntaxException("exp twice"); // RFC 7208 §6
                        exp = domainSpec(value); // an empty exp= is a permerror (erratum to §6.2)
                    }
                    default -> MacroString.parse(value, false); // RFC 7208 §6: unknown modifiers are ignored, but must parse
                }
                continue;
            }
            directives.add(directive(term));
        }
        return new SpfRecord(List.copyOf(directives), redirect, exp);
    }

    private static Directive directive(String term) throws SpfSyntaxException {
        Qualifier q = switch (term.charAt(0)) {
            case '+' -> Qualifier.PASS;
            case '-' -> Qualifier.FAIL;
            case '~' -> Qualifier.SOFTFAIL;
            case '?' -> Qualifier.NEUTRAL;
            default -> null;
        };
        String rest = q == null ? term : term.substring(1);
        if (q == null) q = Qualifier.PASS;
        int end = 0;
        while (end < rest.length() && rest.charAt(end) != ':' && rest.charAt(end) != '/') end++;
        String name = rest.substring(0, end).toLowerCase(Locale.ROOT);
        String arg = rest.substring(end);
        Mechanism mech = switch (name) {
            case "all" -> {
                if (!arg.isEmpty()) throw new SpfSyntaxException("all takes no argument");
                yield new Mechanism.All();
            }
            case "include" -> new Mechanism.Include(requiredDomain(arg, name));
            case "exists" -> new Mechanism.Exists(requiredDomain(arg, name));
            case "ptr" -> {
                if (arg.isEmpty()) yield new Mechanism.Ptr(null);
                if (arg.charAt(0) != ':') throw new SpfSyntaxException("ptr takes no CIDR length");
                yield new Mechanism.Ptr(domainSpec(arg.substring(1)));
            }
            case "a", "mx" -> {
                Matcher m = DUAL_CIDR.matcher(arg);
                if (!m.matches()) throw new SpfSyntaxException("bad " + name);
                String d = m.group(1);
                MacroString domain = null;
                if (!d.isEmpty()) {
                    if (d.charAt(0) != ':') throw new SpfSyntaxException("bad CIDR length in " + term);
                    domain = domainSpec(d.substring(1));
                }
                int c4 = m.group(2) == null ? 32 : Integer.parseInt(m.group(2));
                int c6 = m.group(3) == null ? 128 : Integer.parseInt(m.group(3));
                if (c4 > 32 || c6 > 128) throw new SpfSyntaxException("CIDR length out of range in " + term);
                yield name.equals("a") ? new Mechanism.A(domain, c4, c6) : new Mechanism.Mx(domain, c4, c6);
            }
            case "ip4", "ip6" -> {
                if (!arg.startsWith(":")) throw new SpfSyntaxException(name + " needs a network");
                String net = arg.substring(1);
                int max = name.equals("ip4") ? 32 : 128;
                int cidr = max;
                int slash = net.indexOf('/');
                if (slash >= 0) {
                    String len = net.substring(slash + 1);
                    if (!len.matches("0|[1-9][0-9]{0,2}") || Integer.parseInt(len) > max) {
                        throw new SpfSyntaxException("bad CIDR length in " + term);
                    }
                    cidr = Integer.parseInt(len);
                    net = net.substring(0, slash);
                }
                byte[] addr = name.equals("ip4") ? Ip.parse4(net) : Ip.parse6(net);
                if (addr == null) throw new SpfSyntaxException("bad address in " + term);
                yield name.equals("ip4") ? new Mechanism.Ip4(addr, cidr) : new Mechanism.Ip6(addr, cidr);
            }
            default -> throw new SpfSyntaxException("unknown mechanism " + (name.length() > 32 ? name.substring(0, 32) + "…" : name));
        };
        return new Directive(q, mech);
    }

    private static MacroString requiredDomain(String arg, String name) throws SpfSyntaxException {
        if (!arg.startsWith(":")) throw new SpfSyntaxException(name + " needs a domain");
        return domainSpec(arg.substring(1));
    }

    /** domain-spec = macro-string domain-end; domain-end = ( "." toplabel [ "." ] ) / macro-expand (§7.1). */
    static MacroString domainSpec(String s) throws SpfSyntaxException {
        if (s.isEmpty()) throw new SpfSyntaxException("empty domain-spec");
        MacroString ms = MacroString.parse(s, false);
        if (ms.endsWithMacro()) return ms;
        String tail = ms.literalTail();
        if (tail.endsWith(".")) tail = tail.substring(0, tail.length() - 1);
        int dot = tail.lastIndexOf('.');
        if (dot < 0 || !TOPLABEL.matcher(tail.substring(dot + 1)).matches()) {
            throw new SpfSyntaxException("domain-spec does not end in a valid top label: " + (s.length() > 64 ? s.substring(0, 64) + "…" : s));
        }
        return ms;
    }
}
