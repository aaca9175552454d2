package org.tegami.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tegami.testkit.TestDnsServer;

/** RFC 5321 §5.1 routing against a real DNS server on loopback. */
class MxResolverTest {
    private final TestDnsServer dns;
    private final MxResolver mx;

    MxResolverTest() throws Exception {
        dns = new TestDnsServer()
                .add("multi.test. 300 IN MX 20 backup.multi.test.")
                .add("multi.test. 300 IN MX 10 primary.multi.test.")
                .add("primary.multi.test. 300 IN A 192.0.2.1")
                .add("primary.multi.test. 300 IN AAAA 2001:db8::1")
                .add("backup.multi.test. 300 IN A 192.0.2.2")
                .add("plain.test. 300 IN A 192.0.2.3")
                .add("nomail.test. 300 IN MX 0 .")
                .add("dangling.test. 300 IN MX 10 nowhere.dangling.test.")
                .add("dangling.test. 300 IN TXT \"no address for the MX\"");
        mx = new MxResolver(List.of(dns.address()));
    }

    @AfterEach
    void close() {
        dns.close();
    }

    private static String describe(MxResolver.Route r) {
        return switch (r) {
            case MxResolver.Route.Hosts h -> h.hosts().stream()
                    .map(x -> x.name() + x.addresses().stream().map(a -> a.getHostAddress()).toList()).toList().toString();
            case MxResolver.Route.NoMail n -> "NoMail: " + n.reason();
            case MxResolver.Route.TryLater t -> "TryLater: " + t.reason();
        };
    }

    @Test
    void mxHostsInPreferenceOrderIpv6First() {
        assertEquals("[primary.multi.test[2001:db8:0:0:0:0:0:1, 192.0.2.1], backup.multi.test[192.0.2.2]]",
                describe(mx.resolve("multi.test")));
    }

    @Test
    void noMxFallsBackToTheDomainsAddress() {
        assertEquals("[plain.test[192.0.2.3]]", describe(mx.resolve("plain.test")));
    }

    @Test
    void nullMxAndMissingDomainsBounceAtOnce() {
        assertEquals("NoMail: domain nomail.test accepts no mail (null MX, RFC 7505)", describe(mx.resolve("nomail.test")));
        assertEquals("NoMail: domain missing.test does not exist", describe(mx.resolve("missing.test")));
        assertEquals("NoMail: the MX hosts of dangling.test have no addresses", describe(mx.resolve("dangling.test")));
    }

    @Test
    void unreachableDnsMeansTryLater() throws Exception {
        var dead = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress());
        int port = dead.getLocalPort();
        dead.close();
        MxResolver nowhere = new MxResolver(List.of(new java.net.InetSocketAddress("127.0.0.1", port)));
        assertInstanceOf(MxResolver.Route.TryLater.class, nowhere.resolve("multi.test"));
    }
}
