package org.tegami.delivery.abuse;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.tegami.delivery.InboundMessage;
import org.tegami.delivery.Outcome;
import org.tegami.delivery.Stage;
import org.tegami.mailauth.dns.Dns;
import org.tegami.mailauth.dns.DnsAnswer;
import org.tegami.store.AccountId;

/**
 * DNS blocklists (RFC 5782): the client's address is looked up in each configured zone, once per message; a
 * client listed in one is refused with 554 5.7.1 naming the list. Only answers in 127.0.0.0/8 list a client, and
 * of those not 127.255.255.0/24, which Spamhaus-style lists use for their own errors (over quota, queries through a
 * public resolver, a mistyped zone): those are logged once each and ignored. A DNS failure lets the message through
 * (fail open) and is logged at most once a minute per zone. Loopback, private (RFC 1918, RFC 4193), link-local
 * and unspecified clients, and mail from logged-in submitters, are never looked up.
 */
public final class DnsblStage implements Stage {
    private static final Logger LOG = System.getLogger(DnsblStage.class.getName());
    /** The most DNS time one message may spend on all zones together. */
    public static final Duration BUDGET = Duration.ofSeconds(10);
    /** Answers looked at per zone (a list answers one, sometimes a few: one per sub-list). */
    public static final int MAX_ANSWERS = 16;
    private static final Duration LOG_EVERY = Duration.ofMinutes(1);

    private final Object key = new Object();
    private final Dns dns;
    private final List<String> zones;
    private final InstantSource clock;
    private final Set<String> errorCodesLogged = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, Instant> failureLogged = new ConcurrentHashMap<>();

    public DnsblStage(Dns dns, List<String> zones, InstantSource clock) {
        this.dns = dns;
        this.zones = List.copyOf(zones);
        this.clock = clock;
    }

    @Override
    public String name() {
        return "dnsbl (" + String.join(", ", zones) + ")";
    }

    /** Where the client is listed. */
    public record Listing(String zone, InetAddress code) {}

    @Override
    public Outcome apply(InboundMessage message, AccountId recipient, Outcome.Deliver sofar) {
        if (zones.isEmpty() || message.submitter().isPresent()) return sofar;
        Optional<Listing> listed = message.memo().get(key, () -> {
            org.tegami.store.ReadGroup.pause(); // DNS follows, up to its budget: no database connection waits idle
            return lookup(message.clientIp());
        });
        if (listed.isEmpty()) return sofar;
        // RFC 5782: a listed client is refused; the reply names the list so its operator knows whom to ask
        return new Outcome.Refuse(554, "5.7.1", "Client host " + message.clientIp().getHostAddress()
                + " is listed at " + listed.get().zone());
    }

    /** The first zone that lists {@code client}, if any; never throws. */
    public Optional<Listing> lookup(InetAddress client) {
        if (!lookedUp(client)) return Optional.empty();
        Dns d = dns.withBudget(BUDGET);
        String reversed = reversed(client);
        for (String zone : zones) {
            DnsAnswer<InetAddress> a = d.a(reversed + "." + zone);
            switch (a) {
                case DnsAnswer.Records<InetAddress> r -> {
                    Optional<InetAddress> code = listingCode(zone, r.values());
                    if (code.isPresent()) {
                        LOG.log(Level.INFO, () -> "client " + client.getHostAddress() + " is listed at " + zone
                                + " (" + code.get().getHostAddress() + ")");
                        return Optional.of(new Listing(zone, code.get()));
                    }
                }
                case DnsAnswer.Void<InetAddress> v -> {
                    // RFC 5782 §2.1: no A record, not listed
                }
                case DnsAnswer.TempFail<InetAddress> t -> {
                    Instant now = clock.instant();
                    Instant last = failureLogged.get(zone);
                    if (last == null || !now.isBefore(last.plus(LOG_EVERY))) {
                        failureLogged.put(zone, now);
                        LOG.log(Level.WARNING, "DNSBL " + zone + " did not answer for " + client.getHostAddress()
                                + " (" + t.reason() + "); delivering without it");
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** The answer that lists the client: the first in 127.0.0.0/8 that is not one of the list's error codes. */
    Optional<InetAddress> listingCode(String zone, List<InetAddress> answers) {
        for (InetAddress a : answers.subList(0, Math.min(MAX_ANSWERS, answers.size()))) {
            byte[] b = a.getAddress();
            // RFC 5782 §2.1: entries are A records in 127.0.0.0/8; anything else is a broken or hijacked zone
            if (b.length != 4 || b[0] != 127) {
                logOnce(zone, a, "answers outside 127.0.0.0/8 (a broken or expired list?); ignored");
                continue;
            }
            if ((b[1] & 0xff) == 255 && (b[2] & 0xff) == 255) {
                // 127.255.255.252 typo in the zone, .254 query through a public resolver, .255 over the quota
                logOnce(zone, a, "answers with an error code (.252 mistyped zone, .254 public resolver,"
                        + " .255 too many queries); the client is not treated as listed");
                continue;
            }
            return Optional.of(a);
        }
        return Optional.empty();
    }

    private void logOnce(String zone, InetAddress code, String what) {
        if (errorCodesLogged.add(zone + " " + code.getHostAddress())) {
            LOG.log(Level.WARNING, "DNSBL " + zone + " " + what + ": " + code.getHostAddress());
        }
    }

    /** Whether the address is one a public list could know: not loopback, private, link-local or unspecified. */
    static boolean lookedUp(InetAddress a) {
        if (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return false;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet6Address) return (b[0] & 0xfe) != 0xfc; // RFC 4193 unique local fc00::/7
        return a instanceof Inet4Address;
    }

    /**
     * The address as a DNSxL query prefix: IPv4 octets reversed ({@code 4.3.2.1}, RFC 5782 §2.1), IPv6 nibbles
     * reversed, 32 of them, as in ip6.arpa (RFC 3596 §2.5; RFC 5782 uses the same form).
     */
    static String reversed(InetAddress a) {
        byte[] b = a.getAddress();
        StringBuilder sb = new StringBuilder();
        if (b.length == 4) {
            for (int i = 3; i >= 0; i--) sb.append(b[i] & 0xff).append(i > 0 ? "." : "");
        } else {
            for (int i = 15; i >= 0; i--) {
                sb.append(Character.forDigit(b[i] & 0xf, 16)).append('.').append(Character.forDigit((b[i] >> 4) & 0xf, 16));
                if (i > 0) sb.append('.');
            }
        }
        return sb.toString().toLowerCase(Locale.ROOT);
    }

    /** For the startup summary. */
    public List<String> describe() {
        return List.of("DNSBL " + String.join(", ", zones) + ": listed clients refused (554 5.7.1); DNS failure lets mail through");
    }
}
