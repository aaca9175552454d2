package org.tegami.mailauth.dns;

import java.net.InetAddress;

/**
 * The DNS lookups sender authentication needs. Names are absolute or relative to the root, with or without the
 * final dot; a name that cannot be a DNS name (empty label, label over 63 octets, over 255 octets) is answered
 * as NXDOMAIN without a query. Implementations are safe for concurrent use.
 */
public interface Dns {
    /** TXT records, each one's character-strings joined without separator (RFC 7208 §3.3, RFC 6376 §3.6.2.2). */
    DnsAnswer<String> txt(String name);

    /** A records. */
    DnsAnswer<InetAddress> a(String name);

    /** AAAA records. */
    DnsAnswer<InetAddress> aaaa(String name);

    /** MX records. */
    DnsAnswer<Mx> mx(String name);

    /** PTR records of an address (in-addr.arpa or ip6.arpa), as host names without the final dot. */
    DnsAnswer<String> ptr(InetAddress address);

    /** One MX record; {@code host} is empty for the null MX (RFC 7505). */
    record Mx(int preference, String host) {}

    /**
     * A view that spends at most {@code budget} waiting for DNS in all, then answers
     * {@link DnsAnswer.TempFail}; this implementation has no waiting to bound and returns itself.
     */
    default Dns withBudget(java.time.Duration budget) {
        return this;
    }

    /** A or AAAA records, whichever matches the family of {@code like}. */
    default DnsAnswer<InetAddress> addresses(String name, boolean ipv6) {
        return ipv6 ? aaaa(name) : a(name);
    }
}
