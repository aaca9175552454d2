package org.tegami.mailauth.dns;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * {@link Dns} over dnsjava with a bounded cache of its own: answers are kept for their TTL (at most
 * {@link #MAX_TTL}), void answers for the SOA's negative TTL (RFC 2308 §5, at most {@link #MAX_NEGATIVE_TTL};
 * not at all without a SOA), temporary failures not at all. The least recently used entry goes when the cache
 * holds {@code maxEntries}. Each query waits at most the query timeout; {@link #withBudget} bounds the total.
 */
public final class CachingDns implements Dns {
    /** The longest a positive answer is cached, whatever its TTL says. */
    public static final Duration MAX_TTL = Duration.ofHours(1);
    /** The longest a void answer is cached. */
    public static final Duration MAX_NEGATIVE_TTL = Duration.ofMinutes(5);
    /**
     * How long a resolution failure (timeout, SERVFAIL, REFUSED) is remembered: RFC 2308 §7.1/§7.2 allow caching them
     * for at most five minutes. Without it, every message would wait out the same dead server's timeouts again.
     */
    public static final Duration FAILURE_TTL = Duration.ofSeconds(30);
    /** Default per-query timeout. */
    public static final Duration QUERY_TIMEOUT = Duration.ofSeconds(5);
    /** Default bound on cached answers. */
    public static final int MAX_ENTRIES = 10_000;
    /** Records kept from one answer; more are dropped (SPF needs at most 10 MX/PTR, DKIM one TXT). */
    public static final int MAX_RECORDS = 64;
    /** Bytes kept of one TXT record (its strings joined); longer records are cut, which breaks their syntax. */
    public static final int MAX_TXT_BYTES = 16 * 1024;

    private final Resolver resolver;
    private final InstantSource clock;
    private final Duration queryTimeout;
    private final int maxEntries;
    private final Map<String, Entry> cache;

    private record Entry(DnsAnswer<?> answer, Instant expires) {}

    /** A resolver for {@code [dns] nameservers} (the system's when empty), with the defaults above. */
    public CachingDns(List<InetSocketAddress> nameservers) {
        this(Resolvers.create(nameservers, QUERY_TIMEOUT), InstantSource.system(), QUERY_TIMEOUT, MAX_ENTRIES);
    }

    public CachingDns(Resolver resolver, InstantSource clock, Duration queryTimeout, int maxEntries) {
        this.resolver = resolver;
        this.clock = clock;
        this.queryTimeout = queryTimeout;
        this.maxEntries = maxEntries;
        this.cache = new LinkedHashMap<>(64, 0.75f, true);
    }

    /** Cached answers (for tests and metrics). */
    public int size() {
        synchronized (cache) {
            return cache.size();
        }
    }

    /**
     * A view of this resolver (sharing its cache) that spends at most {@code budget} waiting for DNS in all; once
     * spent, every uncached query is answered {@link DnsAnswer.TempFail}. One view per message, so a slow DNS
     * cannot hold an SMTP session for minutes (RFC 7208 §4.6.4 asks for a limit of at least 20 s for SPF).
     */
    @Override
    public Dns withBudget(Duration budget) {
        Instant deadline = clock.instant().plus(budget);
        CachingDns self = this;
        return new Dns() {
            private <T> DnsAnswer<T> run(String name, int type, Function<Record, T> f) {
                Duration left = Duration.between(clock.instant(), deadline);
                return self.lookup(name, type, f, left.compareTo(queryTimeout) < 0 ? left : queryTimeout);
            }

            @Override public DnsAnswer<String> txt(String name) { return run(name, Type.TXT, CachingDns::txtValue); }
            @Override public DnsAnswer<InetAddress> a(String name) { return run(name, Type.A, r -> ((ARecord) r).getAddress()); }
            @Override public DnsAnswer<InetAddress> aaaa(String name) { return run(name, Type.AAAA, r -> ((AAAARecord) r).getAddress()); }
            @Override public DnsAnswer<Mx> mx(String name) { return run(name, Type.MX, CachingDns::mxValue); }
            @Override public DnsAnswer<String> ptr(InetAddress address) {
                return run(ReverseMap.fromAddress(address).toString(), Type.PTR, CachingDns::ptrValue);
            }
        };
    }

    @Override public DnsAnswer<String> txt(String name) { return lookup(name, Type.TXT, CachingDns::txtValue, queryTimeout); }
    @Override public DnsAnswer<InetAddress> a(String name) { return lookup(name, Type.A, r -> ((ARecord) r).getAddress(), queryTimeout); }
    @Override public DnsAnswer<InetAddress> aaaa(String name) { return lookup(name, Type.AAAA, r -> ((AAAARecord) r).getAddress(), queryTimeout); }
    @Override public DnsAnswer<Mx> mx(String name) { return lookup(name, Type.MX, CachingDns::mxValue, queryTimeout); }
    @Override public DnsAnswer<String> ptr(InetAddress address) {
        return lookup(ReverseMap.fromAddress(address).toString(), Type.PTR, CachingDns::ptrValue, queryTimeout);
    }

    private static String txtValue(Record r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] s : ((TXTRecord) r).getStringsAsByteArrays()) {
            out.write(s, 0, Math.min(s.length, MAX_TXT_BYTES - out.size()));
        }
        // Latin-1 keeps every octet as one char, so a parser sees (and rejects) non-ASCII instead of U+FFFD.
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static Mx mxValue(Record r) {
        MXRecord m = (MXRecord) r;
        return new Mx(m.getPriority(), m.getTarget().equals(Name.root) ? "" : m.getTarget().toString(true));
    }

    private static String ptrValue(Record r) {
        return ((PTRRecord) r).getTarget().toString(true);
    }

    @SuppressWarnings("unchecked")
    private <T> DnsAnswer<T> lookup(String host, int type, Function<Record, T> convert, Duration timeout) {
        Optional<Name> parsed = Resolvers.name(host);
        if (parsed.isEmpty()) return new DnsAnswer.Void<>(true);
        Name name = parsed.get();
        String key = Type.string(type) + " " + name.toString().toLowerCase(Locale.ROOT);
        Instant now = clock.instant();
        synchronized (cache) {
            Entry e = cache.get(key);
            if (e != null && e.expires().isAfter(now)) return (DnsAnswer<T>) e.answer();
            if (e != null) cache.remove(key);
        }
        if (timeout.isNegative() || timeout.isZero()) return new DnsAnswer.TempFail<>("DNS time budget spent");
        Message response;
        try {
            CompletableFuture<Message> f = resolver.sendAsync(Message.newQuery(Record.newRecord(name, type, DClass.IN)))
                    .toCompletableFuture();
            try {
                response = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException te) {
                f.cancel(true);
                // a timeout cut short by the message's budget says nothing of the server: not remembered
                return timeout.compareTo(queryTimeout) < 0 ? new DnsAnswer.TempFail<>("DNS timeout for " + name)
                        : failed(key, now, "DNS timeout for " + name);
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return new DnsAnswer.TempFail<>("interrupted");
        } catch (ExecutionException | RuntimeException ex) {
            return failed(key, now, "DNS error for " + name);
        }
        int rcode = response.getRcode();
        DnsAnswer<T> answer;
        long ttl;
        if (rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN) {
            List<T> values = new ArrayList<>();
            long minTtl = MAX_TTL.toSeconds();
            for (Record r : response.getSection(Section.ANSWER)) {
                // A CNAME chain ends in records under another name; the recursive server has followed it.
                if (r.getType() != type || values.size() >= MAX_RECORDS) continue;
                values.add(convert.apply(r));
                minTtl = Math.min(minTtl, r.getTTL());
            }
            if (!values.isEmpty()) {
                answer = new DnsAnswer.Records<>(values);
                ttl = minTtl;
            } else {
                answer = new DnsAnswer.Void<>(rcode == Rcode.NXDOMAIN);
                ttl = 0; // RFC 2308 §5: without a SOA, a negative answer is not cached
                for (Record r : response.getSection(Section.AUTHORITY)) {
                    if (r instanceof SOARecord soa) ttl = Math.min(Math.min(soa.getTTL(), soa.getMinimum()), MAX_NEGATIVE_TTL.toSeconds());
                }
            }
        } else {
            return failed(key, now, "DNS " + Rcode.string(rcode) + " for " + name);
        }
        if (ttl > 0) {
            synchronized (cache) {
                cache.put(key, new Entry(answer, now.plusSeconds(ttl)));
                while (cache.size() > maxEntries) cache.remove(cache.keySet().iterator().next());
            }
        }
        return answer;
    }

    /** A resolution failure, remembered for {@link #FAILURE_TTL} (RFC 2308 §7). */
    private <T> DnsAnswer<T> failed(String key, Instant now, String why) {
        DnsAnswer<T> answer = new DnsAnswer.TempFail<>(why);
        synchronized (cache) {
            cache.put(key, new Entry(answer, now.plus(FAILURE_TTL)));
            while (cache.size() > maxEntries) cache.remove(cache.keySet().iterator().next());
        }
        return answer;
    }
}
