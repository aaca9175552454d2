package org.tegami.mailauth.dns;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Name;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;

/**
 * dnsjava resolver construction from {@code [dns] nameservers}, shared by outbound routing (MX, MTA-STS) and
 * inbound sender authentication.
 */
public final class Resolvers {
    private Resolvers() {}

    /**
     * A resolver asking the given servers (several: dnsjava's {@link ExtendedResolver}, which tries them in turn);
     * the system's resolver when the list is empty.
     *
     * @param timeout per query, across retries
     */
    public static Resolver create(List<InetSocketAddress> nameservers, Duration timeout) {
        Resolver resolver;
        if (nameservers.isEmpty()) {
            resolver = Lookup.getDefaultResolver();
        } else {
            List<Resolver> rs = new ArrayList<>();
            for (InetSocketAddress a : nameservers) rs.add(new SimpleResolver(a));
            resolver = rs.size() == 1 ? rs.getFirst() : new ExtendedResolver(rs);
        }
        resolver.setTimeout(timeout);
        return resolver;
    }

    /** The absolute DNS name for a host or domain written with or without the final dot; empty when invalid. */
    public static Optional<Name> name(String domain) {
        try {
            return Optional.of(Name.fromString(domain.endsWith(".") ? domain : domain + "."));
        } catch (TextParseException e) {
            return Optional.empty();
        }
    }
}
