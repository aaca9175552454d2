package org.tegami.queue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.tegami.mailauth.dns.Resolvers;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Cache;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Where to deliver mail for a domain (RFC 5321 §5.1): MX hosts by preference, random order among equal
 * preferences, each with its IPv6 and IPv4 addresses; the domain itself when it has no MX; nothing for a
 * null MX (RFC 7505). Uses the configured name servers, or the system's.
 */
public final class MxResolver {

    /** The outcome of a lookup. */
    public sealed interface Route {
        /** Hosts to try in order. */
        record Hosts(List<Host> hosts) implements Route {}

        /** The domain says it accepts no mail (RFC 7505) or does not exist: bounce at once. */
        record NoMail(String reason) implements Route {}

        /** DNS did not answer conclusively: try later. */
        record TryLater(String reason) implements Route {}
    }

    /** One MX host and its addresses (IPv6 first). */
    public record Host(String name, List<InetAddress> addresses) {}

    private final Resolver resolver;
    private final Cache cache = new Cache();

    /** @param nameservers host:port of each server to ask; empty means the system's resolver */
    public MxResolver(List<InetSocketAddress> nameservers) {
        resolver = Resolvers.create(nameservers, Duration.ofSeconds(10));
    }

    public Route resolve(String domain) {
        Name name;
        try {
            name = Name.fromString(domain.endsWith(".") ? domain : domain + ".");
        } catch (TextParseException e) {
            return new Route.NoMail("invalid domain " + domain);
        }
        Lookup mx = lookup(name, Type.MX);
        Record[] records = mx.run();
        switch (mx.getResult()) {
            case Lookup.SUCCESSFUL -> { }
            case Lookup.HOST_NOT_FOUND -> { return new Route.NoMail("domain " + domain + " does not exist"); }
            case Lookup.TYPE_NOT_FOUND -> {
                // RFC 5321 §5.1: no MX, so the domain itself is the implicit MX.
                List<InetAddress> addrs = addresses(name);
                if (addrs == null) return new Route.TryLater("DNS lookup of " + domain + " failed");
                if (addrs.isEmpty()) return new Route.NoMail("domain " + domain + " has no MX and no address");
                return new Route.Hosts(List.of(new Host(domain, addrs)));
            }
            default -> { return new Route.TryLater("DNS lookup of MX " + domain + " failed: " + mx.getErrorString()); }
        }
        TreeMap<Integer, List<MXRecord>> byPref = new TreeMap<>();
        for (Record r : records) {
            if (r instanceof MXRecord m) byPref.computeIfAbsent(m.getPriority(), k -> new ArrayList<>()).add(m);
        }
        if (byPref.size() == 1 && byPref.firstEntry().getValue().size() == 1
                && byPref.firstEntry().getValue().getFirst().getTarget().equals(Name.root)) {
            return new Route.NoMail("domain " + domain + " accepts no mail (null MX, RFC 7505)");
        }
        List<Host> hosts = new ArrayList<>();
        boolean lookupFailed = false;
        for (Map.Entry<Integer, List<MXRecord>> e : byPref.entrySet()) {
            List<MXRecord> same = new ArrayList<>(e.getValue());
            Collections.shuffle(same, ThreadLocalRandom.current());
            for (MXRecord m : same) {
                if (m.getTarget().equals(Name.root)) continue;
                List<InetAddress> addrs = addresses(m.getTarget());
                if (addrs == null) {
                    lookupFailed = true;
                } else if (!addrs.isEmpty()) {
                    hosts.add(new Host(m.getTarget().toString(true), addrs));
                }
            }
        }
        if (hosts.isEmpty()) {
            return lookupFailed ? new Route.TryLater("cannot resolve the MX hosts of " + domain)
                    : new Route.NoMail("the MX hosts of " + domain + " have no addresses");
        }
        return new Route.Hosts(hosts);
    }

    /** The first TXT record at {@code name} whose text starts with {@code prefix} (strings joined, RFC 7208 §3.3). */
    public Optional<String> txt(String name, String prefix) {
        try {
            Lookup l = lookup(Name.fromString(name.endsWith(".") ? name : name + "."), Type.TXT);
            Record[] rs = l.run();
            if (l.getResult() != Lookup.SUCCESSFUL) return Optional.empty();
            for (Record r : rs) {
                if (r instanceof org.xbill.DNS.TXTRecord t) {
                    String joined = String.join("", t.getStrings());
                    if (joined.startsWith(prefix)) return Optional.of(joined);
                }
            }
        } catch (TextParseException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The MX host names of a domain in preference order (for checks; delivery uses {@link #resolve}). */
    public List<String> mxHosts(String domain) {
        try {
            Lookup l = lookup(Name.fromString(domain.endsWith(".") ? domain : domain + "."), Type.MX);
            Record[] rs = l.run();
            if (l.getResult() != Lookup.SUCCESSFUL) return List.of();
            List<MXRecord> mx = new ArrayList<>();
            for (Record r : rs) if (r instanceof MXRecord m) mx.add(m);
            mx.sort(Comparator.comparingInt(MXRecord::getPriority));
            return mx.stream().map(m -> m.getTarget().toString(true)).toList();
        } catch (TextParseException e) {
            return List.of();
        }
    }

    /** SRV records at {@code name} as "priority weight port target" (RFC 2782). */
    public List<String> srv(String name) {
        try {
            Lookup l = lookup(Name.fromString(name.endsWith(".") ? name : name + "."), Type.SRV);
            Record[] rs = l.run();
            if (l.getResult() != Lookup.SUCCESSFUL) return List.of();
            List<String> out = new ArrayList<>();
            for (Record r : rs) {
                if (r instanceof org.xbill.DNS.SRVRecord v) {
                    out.add(v.getPriority() + " " + v.getWeight() + " " + v.getPort() + " " + v.getTarget().toString(true));
                }
            }
            return out;
        } catch (TextParseException e) {
            return List.of();
        }
    }

    /** Addresses of a host name (IPv6 first), through the configured name servers; empty when none or on failure. */
    public List<InetAddress> addresses(String host) {
        try {
            List<InetAddress> a = addresses(Name.fromString(host.endsWith(".") ? host : host + "."));
            return a == null ? List.of() : a;
        } catch (TextParseException e) {
            return List.of();
        }
    }

    /** AAAA then A addresses; null when DNS failed (as opposed to answering "none"). */
    private List<InetAddress> addresses(Name host) {
        List<InetAddress> out = new ArrayList<>();
        boolean failed = false;
        for (int type : new int[] {Type.AAAA, Type.A}) {
            Lookup l = lookup(host, type);
            Record[] rs = l.run();
            if (l.getResult() == Lookup.SUCCESSFUL) {
                for (Record r : rs) {
                    if (r instanceof ARecord a) out.add(a.getAddress());
                    if (r instanceof AAAARecord a) out.add(a.getAddress());
                }
            } else if (l.getResult() == Lookup.TRY_AGAIN || l.getResult() == Lookup.UNRECOVERABLE) {
                failed = true;
            }
        }
        out.sort(Comparator.comparing(a -> a.getAddress().length == 4 ? 1 : 0)); // IPv6 first
        return out.isEmpty() && failed ? null : out;
    }

    private Lookup lookup(Name name, int type) {
        Lookup l = new Lookup(name, type);
        l.setResolver(resolver);
        l.setCache(cache);
        return l;
    }

}
