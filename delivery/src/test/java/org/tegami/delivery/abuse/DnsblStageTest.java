package org.tegami.delivery.abuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.tegami.delivery.InboundMessage;
import org.tegami.delivery.Outcome;
import org.tegami.mailauth.dns.CachingDns;
import org.tegami.mailauth.dns.Resolvers;
import org.tegami.store.AccountId;
import org.tegami.store.BlobId;
import org.tegami.testkit.TestDnsServer;

/** DNSBL lookups (RFC 5782) against a real UDP DNS server: listed, not listed, error codes, failures. */
class DnsblStageTest {
    private static final AccountId ALICE = new AccountId(1);

    private static InboundMessage from(String ip) throws Exception {
        return new InboundMessage(InetAddress.getByName(ip), "c.test", "s@r.test", List.of(ALICE), false,
                Optional.empty(), new BlobId("b".repeat(64)), 10, max -> new byte[0]);
    }

    private static DnsblStage stage(InetSocketAddress server, Duration timeout, String... zones) {
        var dns = new CachingDns(Resolvers.create(List.of(server), timeout), InstantSource.system(), timeout, 100);
        return new DnsblStage(dns, List.of(zones), InstantSource.system());
    }

    @Test
    void queryNamesAreReversedOctetsOrNibbles() throws Exception {
        assertEquals("1.2.0.192", DnsblStage.reversed(InetAddress.getByName("192.0.2.1")));
        assertEquals("b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2",
                DnsblStage.reversed(InetAddress.getByName("2001:db8:1:2:3:4:567:89ab")));
        for (String local : List.of("127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "::1", "fe80::1", "fd00::1", "0.0.0.0")) {
            assertFalse(DnsblStage.lookedUp(InetAddress.getByName(local)), local);
        }
        assertTrue(DnsblStage.lookedUp(InetAddress.getByName("192.0.2.1")));
        assertTrue(DnsblStage.lookedUp(InetAddress.getByName("2001:db8::1")));
    }

    @Test
    void listedClientIsRefusedNamingTheList() throws Exception {
        try (TestDnsServer dns = new TestDnsServer()) {
            dns.add("1.2.0.192.zen.example. 300 IN A 127.0.0.2")
                    .add("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.example. 300 IN A 127.0.0.3")
                    .add("9.2.0.192.zen.example. 300 IN A 10.0.0.1");
            DnsblStage stage = stage(dns.address(), Duration.ofSeconds(2), "other.example", "zen.example");
            assertEquals(new Outcome.Refuse(554, "5.7.1", "Client host 192.0.2.1 is listed at zen.example"),
                    stage.apply(from("192.0.2.1"), ALICE, Outcome.Deliver.INBOX));
            assertEquals(new Outcome.Refuse(554, "5.7.1", "Client host 2001:db8:0:0:0:0:0:1 is listed at zen.example"),
                    stage.apply(from("2001:db8::1"), ALICE, Outcome.Deliver.INBOX));
            // not listed, and an answer outside 127.0.0.0/8 (a hijacked or expired zone) lists nobody
            assertSame(Outcome.Deliver.INBOX, stage.apply(from("192.0.2.7"), ALICE, Outcome.Deliver.INBOX));
            assertSame(Outcome.Deliver.INBOX, stage.apply(from("192.0.2.9"), ALICE, Outcome.Deliver.INBOX));
            // a private client is never looked up, nor a logged-in submitter
            dns.add("1.1.168.192.zen.example. 300 IN A 127.0.0.2");
            assertSame(Outcome.Deliver.INBOX, stage.apply(from("192.168.1.1"), ALICE, Outcome.Deliver.INBOX));
            InboundMessage submitted = new InboundMessage(InetAddress.getByName("192.0.2.1"), "c", "s@r.test", List.of(ALICE),
                    true, Optional.of(ALICE), new BlobId("b".repeat(64)), 10, max -> new byte[0]);
            assertSame(Outcome.Deliver.INBOX, stage.apply(submitted, ALICE, Outcome.Deliver.INBOX));
        }
    }

    @Test
    void errorCodesDoNotListTheClient() throws Exception {
        try (TestDnsServer dns = new TestDnsServer()) {
            dns.add("1.2.0.192.zen.example. 300 IN A 127.255.255.254")
                    .add("2.2.0.192.zen.example. 300 IN A 127.255.255.252")
                    .add("3.2.0.192.zen.example. 300 IN A 127.255.255.255")
                    // an error code beside a real listing: the listing counts
                    .add("4.2.0.192.zen.example. 300 IN A 127.255.255.254")
                    .add("4.2.0.192.zen.example. 300 IN A 127.0.0.4");
            DnsblStage stage = stage(dns.address(), Duration.ofSeconds(2), "zen.example");
            for (String ip : List.of("192.0.2.1", "192.0.2.2", "192.0.2.3")) {
                assertSame(Outcome.Deliver.INBOX, stage.apply(from(ip), ALICE, Outcome.Deliver.INBOX), ip);
            }
            assertEquals(Optional.of(new DnsblStage.Listing("zen.example", InetAddress.getByName("127.0.0.4"))),
                    stage.lookup(InetAddress.getByName("192.0.2.4")));
        }
    }

    @Test
    void hostileAnswersAreBounded() throws Exception {
        DnsblStage stage = new DnsblStage(null, List.of("zen.example"), InstantSource.system());
        List<InetAddress> many = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) many.add(InetAddress.getByAddress(new byte[] {10, 0, (byte) (i >> 8), (byte) i}));
        many.add(InetAddress.getByName("127.0.0.2")); // past the bound: not looked at
        assertEquals(Optional.empty(), stage.listingCode("zen.example", many));
        assertEquals(Optional.empty(), stage.listingCode("zen.example", List.of(
                InetAddress.getByName("127.255.255.1"), InetAddress.getByName("2001:db8::7f00:2"))));
    }

    @Test
    void servfailAndTimeoutFailOpen() throws Exception {
        try (TestDnsServer dns = new TestDnsServer(); DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            dns.servfail("1.2.0.192.zen.example.");
            assertSame(Outcome.Deliver.INBOX, stage(dns.address(), Duration.ofSeconds(2), "zen.example")
                    .apply(from("192.0.2.1"), ALICE, Outcome.Deliver.INBOX));
            long t0 = System.nanoTime();
            DnsblStage slow = stage((InetSocketAddress) silent.getLocalSocketAddress(), Duration.ofMillis(300), "zen.example");
            assertSame(Outcome.Deliver.INBOX, slow.apply(from("192.0.2.1"), ALICE, Outcome.Deliver.INBOX));
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos(), "bounded by the query timeout");
        }
    }

    /** A database connection a read group holds is given back before the DNS lookups, not held through their timeouts. */
    @Test
    void theReadGroupsConnectionIsNotHeldThroughTheLookups() throws Exception {
        try (TestDnsServer dns = new TestDnsServer()) {
            DnsblStage stage = stage(dns.address(), Duration.ofSeconds(2), "zen.example");
            boolean[] closed = {false};
            org.tegami.store.ReadGroup.run(() -> {
                org.tegami.store.ReadGroup.current().hold("store", () -> (AutoCloseable) () -> closed[0] = true);
                try {
                    stage.apply(from("192.0.2.1"), ALICE, Outcome.Deliver.INBOX);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                assertTrue(closed[0], "released before the lookup");
                return null;
            });
        }
    }
}
