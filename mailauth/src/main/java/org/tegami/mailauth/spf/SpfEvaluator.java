package org.tegami.mailauth.spf;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.tegami.mailauth.dns.Dns;
import org.tegami.mailauth.dns.DnsAnswer;

/**
 * SPF's {@code check_host()} (RFC 7208 §4) for the MAIL FROM and HELO identities, with every mechanism, the
 * redirect and exp modifiers, macros (§7) and the processing limits of §4.6.4: at most 10 mechanisms and
 * modifiers that query DNS per check, at most 2 void lookups, at most 10 MX hosts and 10 PTR names. An
 * include or redirect loop runs into the DNS limit and ends in permerror; recursion depth is bounded by it.
 * One evaluator per check: not thread-safe.
 */
public final class SpfEvaluator {
    /** Mechanisms and modifiers that query DNS, per check (RFC 7208 §4.6.4). */
    public static final int MAX_DNS_MECHANISMS = 10;
    /** Void lookups per check (RFC 7208 §4.6.4). */
    public static final int MAX_VOID_LOOKUPS = 2;
    /** MX records looked at by one mx mechanism; more is a permerror (RFC 7208 §4.6.4). */
    public static final int MAX_MX = 10;
    /** PTR names looked at by ptr or %{p}; the others are ignored (RFC 7208 §4.6.4). */
    public static final int MAX_PTR = 10;

    private final Dns dns;
    private final String receiver;
    private final InstantSource clock;
    private int dnsMechanisms;
    private int voidLookups;

    /** Thrown inside an evaluation to end it with a temperror or permerror. */
    private static final class Abort extends Exception {
        final SpfResult result;

        Abort(SpfResult result, String message) {
            super(message, null, false, false);
            this.result = result;
        }
    }

    /** @param receiver our host name, for the {@code %{r}} macro in explanations */
    public SpfEvaluator(Dns dns, String receiver, InstantSource clock) {
        this.dns = dns;
        this.receiver = receiver;
        this.clock = clock;
    }

    /**
     * Checks the MAIL FROM identity (RFC 7208 §2.4); with an empty reverse-path, the HELO identity's
     * "postmaster@helo" stands in for it.
     */
    public SpfVerdict checkMailFrom(InetAddress client, String mailFrom, String helo) {
        if (mailFrom == null || mailFrom.isEmpty()) return checkHelo(client, helo);
        int at = mailFrom.lastIndexOf('@');
        String local = at <= 0 ? "postmaster" : mailFrom.substring(0, at); // RFC 7208 §4.3: no local-part
        String domain = at < 0 ? mailFrom : mailFrom.substring(at + 1);
        return check(client, domain, local + "@" + domain, helo);
    }

    /** Checks the HELO identity (RFC 7208 §2.3). */
    public SpfVerdict checkHelo(InetAddress client, String helo) {
        String h = helo == null ? "" : helo;
        return check(client, h, "postmaster@" + h, h);
    }

    private SpfVerdict check(InetAddress client, String domain, String sender, String helo) {
        dnsMechanisms = 0;
        voidLookups = 0;
        Context cx = new Context(Ip.normalize(client), sender, helo);
        try {
            Outcome o = checkHost(cx, domain, 0);
            Optional<String> exp = Optional.empty();
            if (o.result == SpfResult.FAIL && o.record != null && o.record.exp() != null) exp = explain(cx, o.record, o.domain);
            return new SpfVerdict(o.result, domain, sender, exp, o.reason);
        } catch (Abort a) {
            return new SpfVerdict(a.result, domain, sender, Optional.empty(), a.getMessage());
        }
    }

    /** The client, sender and HELO name of one check, and the %{p} value once computed. */
    private static final class Context {
        final InetAddress ip;
        final boolean ipv6;
        final String sender;
        final String helo;
        String validatedName;

        Context(InetAddress ip, String sender, String helo) {
            this.ip = ip;
            this.ipv6 = ip instanceof Inet6Address;
            this.sender = sender;
            this.helo = helo;
        }
    }

    /** The result, with the record and domain that produced it (for exp=, which follows redirect but not include). */
    private record Outcome(SpfResult result, SpfRecord record, String domain, String reason) {}

    private Outcome checkHost(Context cx, String domain, int depth) throws Abort {
        String d = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
        // RFC 7208 §4.3: a malformed or single-label domain gives "none" without a query.
        if (!validDomain(d)) return new Outcome(SpfResult.NONE, null, d, "not a valid domain name");
        DnsAnswer<String> txt = dns.txt(d);
        List<String> records = new ArrayList<>();
        switch (txt) {
            case DnsAnswer.TempFail<String> t -> throw new Abort(SpfResult.TEMPERROR, "DNS failure looking up SPF record of " + d);
            case DnsAnswer.Void<String> v -> { return new Outcome(SpfResult.NONE, null, d, "no SPF record"); }
            case DnsAnswer.Records<String> r -> { for (String s : r.values()) if (SpfRecord.isSpf(s)) records.add(s); }
        }
        if (records.isEmpty()) return new Outcome(SpfResult.NONE, null, d, "no SPF record"); // RFC 7208 §4.5
        if (records.size() > 1) throw new Abort(SpfResult.PERMERROR, "more than one SPF record at " + d); // RFC 7208 §4.5
        SpfRecord rec;
        try {
            rec = SpfRecord.parse(records.getFirst());
        } catch (SpfSyntaxException e) {
            throw new Abort(SpfResult.PERMERROR, "SPF record of " + d + ": " + e.getMessage());
        }
        for (SpfRecord.Directive dir : rec.directives()) {
            if (dir.queriesDns()) countDnsMechanism();
            if (matches(cx, dir.mechanism(), d, depth)) {
                return new Outcome(dir.qualifier().result, rec, d, "matched " + describe(dir.mechanism()) + " at " + d);
            }
        }
        if (rec.redirect() != null) { // RFC 7208 §6.1: only when no mechanism matched
            countDnsMechanism();
            String target = expandDomain(cx, rec.redirect(), d);
            Outcome o = checkHost(cx, target, depth + 1);
            // RFC 7208 §6.1: a redirect to a domain without a record (or a malformed one) is a permerror.
            if (o.result == SpfResult.NONE) throw new Abort(SpfResult.PERMERROR, "redirect to " + target + " without SPF record");
            return o;
        }
        return new Outcome(SpfResult.NEUTRAL, rec, d, "no mechanism matched at " + d); // RFC 7208 §4.7
    }

    private void countDnsMechanism() throws Abort {
        if (++dnsMechanisms > MAX_DNS_MECHANISMS) { // RFC 7208 §4.6.4
            throw new Abort(SpfResult.PERMERROR, "more than " + MAX_DNS_MECHANISMS + " DNS-querying mechanisms");
        }
    }

    private <T> List<T> values(DnsAnswer<T> a, String what) throws Abort {
        return switch (a) {
            case DnsAnswer.Records<T> r -> r.values();
            case DnsAnswer.Void<T> v -> {
                if (++voidLookups > MAX_VOID_LOOKUPS) { // RFC 7208 §4.6.4
                    throw new Abort(SpfResult.PERMERROR, "more than " + MAX_VOID_LOOKUPS + " void lookups");
                }
                yield List.of();
            }
            case DnsAnswer.TempFail<T> t -> throw new Abort(SpfResult.TEMPERROR, "DNS failure looking up " + what);
        };
    }

    private boolean matches(Context cx, SpfRecord.Mechanism m, String domain, int depth) throws Abort {
        byte[] ip = cx.ip.getAddress();
        return switch (m) {
            case SpfRecord.Mechanism.All a -> true;
            case SpfRecord.Mechanism.Ip4 n -> !cx.ipv6 && Ip.matches(n.network(), ip, n.cidr());
            case SpfRecord.Mechanism.Ip6 n -> cx.ipv6 && Ip.matches(n.network(), ip, n.cidr());
            case SpfRecord.Mechanism.A a -> {
                String target = a.domain() == null ? domain : expandDomain(cx, a.domain(), domain);
                int cidr = cx.ipv6 ? a.cidr6() : a.cidr4();
                for (InetAddress x : values(dns.addresses(target, cx.ipv6), "A/AAAA " + target)) {
                    if (Ip.matches(x.getAddress(), ip, cidr)) yield true;
                }
                yield false;
            }
            case SpfRecord.Mechanism.Mx mx -> {
                String target = mx.domain() == null ? domain : expandDomain(cx, mx.domain(), domain);
                List<Dns.Mx> hosts = values(dns.mx(target), "MX " + target);
                // RFC 7208 §4.6.4: more than 10 MX records is a permerror.
                if (hosts.size() > MAX_MX) throw new Abort(SpfResult.PERMERROR, "more than " + MAX_MX + " MX records at " + target);
                int cidr = cx.ipv6 ? mx.cidr6() : mx.cidr4();
                for (Dns.Mx h : hosts) {
                    if (h.host().isEmpty()) continue; // null MX (RFC 7505)
                    DnsAnswer<InetAddress> addrs = dns.addresses(h.host(), cx.ipv6);
                    if (addrs instanceof DnsAnswer.TempFail<InetAddress>) throw new Abort(SpfResult.TEMPERROR, "DNS failure looking up " + h.host());
                    for (InetAddress x : addrs.valuesOrEmpty()) if (Ip.matches(x.getAddress(), ip, cidr)) yield true;
                }
                yield false;
            }
            case SpfRecord.Mechanism.Ptr p -> {
                String target = p.domain() == null ? domain : expandDomain(cx, p.domain(), domain);
                DnsAnswer<String> names = dns.ptr(cx.ip);
                // RFC 7208 §5.5: a DNS error on the PTR lookup means no match, not temperror.
                if (names instanceof DnsAnswer.TempFail<String>) yield false;
                String t = stripDot(target).toLowerCase(Locale.ROOT);
                for (String name : validatedNames(cx, values(names, "PTR"))) {
                    String n = name.toLowerCase(Locale.ROOT);
                    if (n.equals(t) || n.endsWith("." + t)) yield true;
                }
                yield false;
            }
            case SpfRecord.Mechanism.Exists e -> {
                String target = expandDomain(cx, e.domain(), domain);
                yield !values(dns.a(target), "A " + target).isEmpty(); // RFC 7208 §5.7: always an A query
            }
            case SpfRecord.Mechanism.Include inc -> {
                String target = expandDomain(cx, inc.domain(), domain);
                Outcome o = checkHost(cx, target, depth + 1);
                yield switch (o.result) { // RFC 7208 §5.2 table
                    case PASS -> true;
                    case FAIL, SOFTFAIL, NEUTRAL -> false;
                    case TEMPERROR -> throw new Abort(SpfResult.TEMPERROR, o.reason);
                    case PERMERROR -> throw new Abort(SpfResult.PERMERROR, o.reason);
                    case NONE -> throw new Abort(SpfResult.PERMERROR, "include of " + target + " without SPF record");
                };
            }
        };
    }

    /** The first 10 PTR names whose forward lookup includes the client address (RFC 7208 §5.5). */
    private List<String> validatedNames(Context cx, List<String> names) {
        List<String> out = new ArrayList<>();
        int n = 0;
        for (String name : names) {
            if (++n > MAX_PTR) break; // RFC 7208 §4.6.4: names beyond the first 10 are ignored
            for (InetAddress x : dns.addresses(name, cx.ipv6).valuesOrEmpty()) {
                if (x.equals(cx.ip)) {
                    out.add(stripDot(name));
                    break;
                }
            }
        }
        return out;
    }

    private String expandDomain(Context cx, MacroString spec, String domain) throws Abort {
        try {
            return MacroString.truncateDomain(stripDot(spec.expand(letter -> value(cx, letter, domain))));
        } catch (SpfSyntaxException e) {
            throw new Abort(SpfResult.PERMERROR, e.getMessage());
        }
    }

    private Optional<String> explain(Context cx, SpfRecord rec, String domain) {
        try {
            String target = MacroString.truncateDomain(stripDot(rec.exp().expand(letter -> value(cx, letter, domain))));
            // RFC 7208 §6.2: exactly one TXT record, else proceed as if there were no exp= (and it is no void lookup).
            if (!(dns.txt(target) instanceof DnsAnswer.Records<String> r) || r.values().size() != 1) return Optional.empty();
            String text = r.values().getFirst();
            for (int i = 0; i < text.length(); i++) if (text.charAt(i) > 0x7e) return Optional.empty(); // RFC 7208 §6.2: ASCII
            if (text.length() > SpfRecord.MAX_LENGTH) return Optional.empty();
            return Optional.of(MacroString.parse(text, true).expand(letter -> value(cx, letter, domain)));
        } catch (SpfSyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The value of a macro letter (RFC 7208 §7.2). */
    private String value(Context cx, char letter, String domain) {
        int at = cx.sender.lastIndexOf('@');
        return switch (letter) {
            case 's' -> cx.sender;
            case 'l' -> cx.sender.substring(0, Math.max(at, 0));
            case 'o' -> cx.sender.substring(at + 1);
            case 'd' -> domain;
            case 'i' -> dotted(cx.ip);
            case 'p' -> validatedName(cx, domain);
            case 'v' -> cx.ipv6 ? "ip6" : "in-addr";
            case 'h' -> cx.helo;
            case 'c' -> readable(cx.ip);
            case 'r' -> receiver;
            case 't' -> Long.toString(clock.instant().getEpochSecond());
            default -> "";
        };
    }

    /** %{p}: a validated name of the client, preferring the domain itself, then a subdomain (RFC 7208 §7.3). */
    private String validatedName(Context cx, String domain) {
        if (cx.validatedName == null) {
            List<String> names = validatedNames(cx, dns.ptr(cx.ip).valuesOrEmpty());
            String d = domain.toLowerCase(Locale.ROOT);
            String pick = null;
            for (String n : names) if (n.equalsIgnoreCase(d)) pick = n;
            if (pick == null) for (String n : names) if (n.toLowerCase(Locale.ROOT).endsWith("." + d)) { pick = n; break; }
            if (pick == null && !names.isEmpty()) pick = names.getFirst();
            cx.validatedName = pick == null ? "unknown" : pick;
        }
        return cx.validatedName;
    }

    /** %{i}: dotted quad, or 32 dot-separated nibbles for IPv6 (RFC 7208 §7.3). */
    private static String dotted(InetAddress ip) {
        byte[] b = ip.getAddress();
        if (b.length == 4) return ip.getHostAddress();
        String hex = HexFormat.of().formatHex(b);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < hex.length(); i++) {
            if (i > 0) sb.append('.');
            sb.append(hex.charAt(i));
        }
        return sb.toString();
    }

    /** %{c}: the address in its usual text form, IPv6 compressed as RFC 5952 §4.2 says. */
    static String readable(InetAddress ip) {
        byte[] b = ip.getAddress();
        if (b.length == 4) return ip.getHostAddress();
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        int bestStart = -1, bestLen = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && g[j] == 0) j++;
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (!sb.isEmpty() && sb.charAt(sb.length() - 1) != ':') sb.append(':');
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    private static String stripDot(String s) {
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    /** RFC 7208 §4.3: labels of 1 to 63 octets, at least two of them, at most 253 octets, no domain literal. */
    static boolean validDomain(String d) {
        if (d.isEmpty() || d.length() > 253 || d.startsWith("[")) return false;
        String[] labels = d.split("\\.", -1);
        if (labels.length < 2) return false;
        for (String l : labels) {
            if (l.isEmpty() || l.length() > 63) return false;
            for (int i = 0; i < l.length(); i++) if (l.charAt(i) <= 0x20 || l.charAt(i) > 0x7e) return false;
        }
        return true;
    }

    private static String describe(SpfRecord.Mechanism m) {
        return m.getClass().getSimpleName().toLowerCase(Locale.ROOT);
    }
}
