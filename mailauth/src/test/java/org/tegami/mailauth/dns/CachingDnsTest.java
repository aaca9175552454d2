package org.tegami.mailauth.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.tegami.testkit.TestDnsServer;

/** The caching resolver against a real DNS server on loopback. */
class CachingDnsTest {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-01T00:00:00Z"));
    private final InstantSource clock = () -> now.get();

    @Test
    void answersVoidTempFailAndCaches() throws Exception {
        CachingDns dns;
        try (TestDnsServer server = new TestDnsServer()
                .add("a.test. 300 IN TXT \"v=spf1 \" \"-all\"")
                .add("a.test. 7200 IN A 192.0.2.1")
                .add("a.test. 300 IN MX 10 mx.a.test.")
                .add("nomail.test. 300 IN MX 0 .")
                .add("1.2.0.192.in-addr.arpa. 300 IN PTR host.a.test.")
                .add("bin.test. 300 IN TXT \"\\239\\187\\191x\"")) {
            dns = new CachingDns(Resolvers.create(List.of(server.address()), Duration.ofSeconds(2)), clock, Duration.ofSeconds(2), 100);
            assertEquals(List.of("v=spf1 -all"), dns.txt("a.test").valuesOrEmpty()); // strings joined (RFC 7208 §3.3)
            assertEquals(List.of(InetAddress.getByName("192.0.2.1")), dns.a("A.TEST.").valuesOrEmpty());
            assertEquals(List.of(new Dns.Mx(10, "mx.a.test")), dns.mx("a.test").valuesOrEmpty());
            assertEquals(List.of(new Dns.Mx(0, "")), dns.mx("nomail.test").valuesOrEmpty());
            assertEquals(List.of("host.a.test"), dns.ptr(InetAddress.getByName("192.0.2.1")).valuesOrEmpty());
            assertEquals(new DnsAnswer.Void<InetAddress>(false), dns.aaaa("a.test"));
            assertEquals(new DnsAnswer.Void<String>(true), dns.txt("nowhere.test"));
            assertEquals(new DnsAnswer.Void<String>(true), dns.txt("bad..name")); // no query for an invalid name
            assertEquals("\u00ef\u00bb\u00bfx", dns.txt("bin.test").valuesOrEmpty().getFirst()); // octets kept, not decoded
            CachingDns small = new CachingDns(Resolvers.create(List.of(server.address()), Duration.ofSeconds(2)), clock, Duration.ofSeconds(2), 2);
            for (String n : List.of("a.test", "nomail.test", "bin.test")) small.txt(n);
            small.mx("a.test");
            assertEquals(2, small.size()); // least recently used entries go
        }
        // the server is gone: cached answers remain for their TTL, others fail temporarily
        assertEquals(List.of(InetAddress.getByName("192.0.2.1")), dns.a("a.test").valuesOrEmpty());
        assertInstanceOf(DnsAnswer.TempFail.class, dns.txt("other.test"));
        now.set(now.get().plusSeconds(3601)); // TTL 7200 is capped at an hour
        assertInstanceOf(DnsAnswer.TempFail.class, dns.a("a.test"));
    }

    @Test
    void failuresAreRememberedBriefly() throws Exception {
        // a server that answers nothing: the first lookup waits out the timeout, the next ones within
        // FAILURE_TTL do not (RFC 2308 §7), and after it the server is asked again
        try (java.net.DatagramSocket silent = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            var address = new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort());
            CachingDns dns = new CachingDns(Resolvers.create(List.of(address), Duration.ofMillis(300)), clock,
                    Duration.ofMillis(300), 100);
            long t0 = System.nanoTime();
            assertInstanceOf(DnsAnswer.TempFail.class, dns.txt("dead.test"));
            long first = System.nanoTime() - t0;
            t0 = System.nanoTime();
            assertInstanceOf(DnsAnswer.TempFail.class, dns.txt("dead.test"));
            long second = System.nanoTime() - t0;
            assertTrue(first >= 250_000_000L && second < 100_000_000L, first + " then " + second + " ns");
            assertEquals(1, dns.size());
            now.set(now.get().plus(CachingDns.FAILURE_TTL).plusSeconds(1));
            t0 = System.nanoTime();
            assertInstanceOf(DnsAnswer.TempFail.class, dns.txt("dead.test"));
            assertTrue(System.nanoTime() - t0 >= 250_000_000L, "asked again after FAILURE_TTL");
        }
    }

    @Test
    void budgetRunsOut() throws Exception {
        try (TestDnsServer server = new TestDnsServer().add("a.test. 300 IN A 192.0.2.1")) {
            CachingDns dns = new CachingDns(Resolvers.create(List.of(server.address()), Duration.ofSeconds(2)), clock, Duration.ofSeconds(2), 100);
            Dns spent = dns.withBudget(Duration.ZERO);
            assertInstanceOf(DnsAnswer.TempFail.class, spent.a("a.test"));
            assertInstanceOf(DnsAnswer.Records.class, dns.withBudget(Duration.ofSeconds(5)).a("a.test"));
            assertInstanceOf(DnsAnswer.Records.class, spent.a("a.test")); // cached answers cost no time
        }
    }
}
