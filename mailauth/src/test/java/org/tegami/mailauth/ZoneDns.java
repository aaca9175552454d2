package org.tegami.mailauth;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.tegami.mailauth.dns.Dns;
import org.tegami.mailauth.dns.DnsAnswer;
import org.xbill.DNS.ReverseMap;

/**
 * An in-memory zone for tests. A name without records is NXDOMAIN; a name with records of other types answers
 * "no data"; a {@link #timeout} marker makes queries time out unless records of the asked type came before it
 * (as the openspf test suite's drivers do).
 */
public final class ZoneDns implements Dns {
    private record Entry(String type, Object value) {}

    private final Map<String, List<Entry>> zone = new ConcurrentHashMap<>();
    /** Queries answered, for limit tests. */
    public final AtomicInteger queries = new AtomicInteger();

    private static String key(String name) {
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        return n.toLowerCase(Locale.ROOT);
    }

    public ZoneDns add(String name, String type, Object value) {
        zone.computeIfAbsent(key(name), k -> new ArrayList<>()).add(new Entry(type, value));
        return this;
    }

    public ZoneDns txt(String name, String value) {
        return add(name, "TXT", value);
    }

    public ZoneDns a(String name, String address) {
        return add(name, address.indexOf(':') >= 0 ? "AAAA" : "A", address);
    }

    /** Every query for {@code name} times out (unless records of the asked type were added before). */
    public ZoneDns timeout(String name) {
        return add(name, "TIMEOUT", null);
    }

    @SuppressWarnings("unchecked")
    private <T> DnsAnswer<T> query(String name, String type) {
        queries.incrementAndGet();
        String k = key(name);
        for (String label : k.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63) return new DnsAnswer.Void<>(true);
        }
        List<Entry> entries = zone.get(k);
        if (entries == null) return new DnsAnswer.Void<>(true);
        List<T> out = new ArrayList<>();
        for (Entry e : entries) {
            if (e.type().equals("TIMEOUT")) {
                if (out.isEmpty()) return new DnsAnswer.TempFail<>("timeout");
                break;
            }
            if (e.type().equals(type)) out.add((T) e.value());
        }
        return out.isEmpty() ? new DnsAnswer.Void<>(false) : new DnsAnswer.Records<>(out);
    }

    private DnsAnswer<InetAddress> addresses(String name, String type) {
        DnsAnswer<String> a = query(name, type);
        if (!(a instanceof DnsAnswer.Records<String> r)) {
            return a instanceof DnsAnswer.TempFail<String> t ? new DnsAnswer.TempFail<>(t.reason())
                    : new DnsAnswer.Void<>(((DnsAnswer.Void<String>) a).nxdomain());
        }
        List<InetAddress> out = new ArrayList<>();
        for (String s : r.values()) {
            try {
                out.add(InetAddress.getByName(s));
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException(s, e);
            }
        }
        return new DnsAnswer.Records<>(out);
    }

    @Override public DnsAnswer<String> txt(String name) { return query(name, "TXT"); }
    @Override public DnsAnswer<InetAddress> a(String name) { return addresses(name, "A"); }
    @Override public DnsAnswer<InetAddress> aaaa(String name) { return addresses(name, "AAAA"); }
    @Override public DnsAnswer<Mx> mx(String name) { return query(name, "MX"); }
    @Override public DnsAnswer<String> ptr(InetAddress address) {
        DnsAnswer<String> a = query(ReverseMap.fromAddress(address).toString(), "PTR");
        if (a instanceof DnsAnswer.Records<String> r) {
            return new DnsAnswer.Records<>(r.values().stream().map(s -> s.endsWith(".") ? s.substring(0, s.length() - 1) : s).toList());
        }
        return a;
    }
}
