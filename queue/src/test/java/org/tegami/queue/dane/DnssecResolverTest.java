package org.tegami.queue.dane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tegami.testkit.SignedZone;
import org.tegami.testkit.TestDnsServer;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

/** Validated lookups against a signed root served by the test DNS server: secure, insecure, bogus, failed. */
class DnssecResolverTest {
    static final String SPKI = "0000000000000000000000000000000000000000000000000000000000000000";
    TestDnsServer dns;
    SignedZone root;

    @BeforeEach
    void setUp() throws Exception {
        dns = new TestDnsServer();
        root = new SignedZone(".")
                .add("good. 300 IN MX 10 mx.good.\nmx.good. 300 IN A 127.0.0.1\n_25._tcp.mx.good. 300 IN TLSA 3 1 1 " + SPKI)
                .add("bad. 300 IN MX 10 mx.bad.\nmx.bad. 300 IN A 127.0.0.1\n_25._tcp.mx.bad. 300 IN TLSA 3 1 1 " + SPKI)
                .corrupt("_25._tcp.mx.bad.", Type.TLSA)
                .delegateInsecure("insecure.");
        dns.addZone(root);
        dns.add("insecure. 300 IN MX 10 mx.insecure.").add("mx.insecure. 300 IN A 127.0.0.1");
    }

    @AfterEach
    void tearDown() {
        dns.close();
    }

    DnssecResolver resolver(String anchor) {
        return new DnssecResolver(List.of(dns.address()), anchor, InstantSource.system());
    }

    @Test
    void signedAnswersAreSecureAndProvenAbsenceToo() {
        DnssecResolver r = resolver(root.trustAnchor());
        assertTrue(r.available());
        var mx = assertInstanceOf(DnssecResolver.Answer.Secure.class, r.lookup(Name.fromConstantString("good."), Type.MX));
        assertEquals(1, mx.records().size());
        var tlsa = assertInstanceOf(DnssecResolver.Answer.Secure.class, r.lookup(Name.fromConstantString("_25._tcp.mx.good."), Type.TLSA));
        assertEquals(1, tlsa.records().size());
        // NODATA (RFC 4035 §3.1.3.1) and NXDOMAIN (§3.1.3.2) proven by NSEC
        var aaaa = assertInstanceOf(DnssecResolver.Answer.Secure.class, r.lookup(Name.fromConstantString("mx.good."), Type.AAAA));
        assertTrue(aaaa.records().isEmpty());
        var none = assertInstanceOf(DnssecResolver.Answer.Secure.class, r.lookup(Name.fromConstantString("_25._tcp.nothere.good."), Type.TLSA));
        assertTrue(none.records().isEmpty());
    }

    @Test
    void unsignedDelegationIsInsecure() {
        DnssecResolver r = resolver(root.trustAnchor());
        var mx = assertInstanceOf(DnssecResolver.Answer.Insecure.class, r.lookup(Name.fromConstantString("insecure."), Type.MX));
        assertEquals(1, mx.records().size());
    }

    @Test
    void brokenSignatureIsBogus() {
        DnssecResolver r = resolver(root.trustAnchor());
        assertInstanceOf(DnssecResolver.Answer.Bogus.class, r.lookup(Name.fromConstantString("_25._tcp.mx.bad."), Type.TLSA));
    }

    @Test
    void anotherAnchorMakesEverythingBogusAndValidationUnavailable() {
        DnssecResolver r = resolver(new SignedZone(".").trustAnchor());
        assertFalse(r.available());
        assertInstanceOf(DnssecResolver.Answer.Bogus.class, r.lookup(Name.fromConstantString("good."), Type.MX));
    }

    @Test
    void serverFailureIsFailedNotBogus() {
        dns.servfail("_25._tcp.mx.good.");
        DnssecResolver r = resolver(root.trustAnchor());
        var a = r.lookup(Name.fromConstantString("_25._tcp.mx.good."), Type.TLSA);
        assertFalse(a instanceof DnssecResolver.Answer.Secure || a instanceof DnssecResolver.Answer.Insecure, a.toString());
    }

    @Test
    void rootAnchorsParse() {
        assertFalse(resolver(DnssecResolver.ROOT_ANCHORS).available()); // the test server has no real root
    }

    /** RFC 7672 §2.2: a TLSA lookup that gets no answer defers the host; it never means "no DANE". */
    @Test
    void tlsaLookupTimingOutDefersTheHost() {
        dns.drop("_25._tcp.mx.good.");
        var r = new DnssecResolver(List.of(dns.address()), root.trustAnchor(), InstantSource.system(), java.time.Duration.ofSeconds(1));
        assertInstanceOf(DnssecResolver.Answer.Failed.class, r.lookup(Name.fromConstantString("_25._tcp.mx.good."), Type.TLSA));
        Dane dane = new Dane(r);
        var d = assertInstanceOf(Dane.HostPolicy.Defer.class, dane.forHost("mx.good", dane.mx("good")));
        assertTrue(d.reason().startsWith("4.7.5 DANE: TLSA lookup for mx.good failed"), d.reason());
    }

    @Test
    void danePolicyFollowsTheChainOfSecureAnswers() {
        Dane dane = new Dane(resolver(root.trustAnchor()));
        assertEquals(Dane.MxSecurity.SECURE, dane.mx("good"));
        var req = assertInstanceOf(Dane.HostPolicy.Required.class, dane.forHost("mx.good", Dane.MxSecurity.SECURE));
        assertEquals("3 1 1 " + SPKI, req.records().getFirst().toString());
        assertInstanceOf(Dane.HostPolicy.None.class, dane.forHost("mx.good", Dane.MxSecurity.INSECURE), "MX not signed: no TLSA lookup");
        assertEquals(Dane.MxSecurity.INSECURE, dane.mx("insecure"));
        assertInstanceOf(Dane.HostPolicy.None.class, dane.forHost("mx.insecure", Dane.MxSecurity.SECURE), "addresses not signed");
        assertInstanceOf(Dane.HostPolicy.Defer.class, dane.forHost("mx.bad", Dane.MxSecurity.SECURE));
        assertInstanceOf(Dane.HostPolicy.Defer.class, dane.forHost("mx.good", Dane.MxSecurity.BOGUS));
    }

    /** A clock the test moves. */
    static final class Clock implements InstantSource {
        volatile Instant now = Instant.parse("2026-06-01T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void answersAreCachedForTheirTtlAndFailuresAreNot() {
        Clock clock = new Clock();
        DnssecResolver r = new DnssecResolver(List.of(dns.address()), root.trustAnchor(), clock);
        Name good = Name.fromConstantString("good.");
        Name absent = Name.fromConstantString("_25._tcp.nothere.good.");
        assertEquals(1, assertInstanceOf(DnssecResolver.Answer.Secure.class, r.lookup(good, Type.MX)).records().size());
        assertTrue(assertInstanceOf(DnssecResolver.Answer.Secure.class, r.lookup(absent, Type.TLSA)).records().isEmpty());
        dns.servfail("good.").servfail("_25._tcp.nothere.good.");
        clock.now = clock.now.plusSeconds(299);
        assertEquals(1, assertInstanceOf(DnssecResolver.Answer.Secure.class, r.lookup(good, Type.MX)).records().size(),
                "within the record's TTL (300 s) the validated answer is reused");
        clock.now = clock.now.plusSeconds(2);
        assertFalse(r.lookup(good, Type.MX) instanceof DnssecResolver.Answer.Secure, "after the TTL it is asked again");
        assertFalse(r.lookup(absent, Type.TLSA) instanceof DnssecResolver.Answer.Secure,
                "a proven absence is kept at most as long as the zone's negative TTL (capped at 5 minutes)");
        // a lookup that gets no answer at all is asked again the next time, not remembered
        Name silent = Name.fromConstantString("mx.good.");
        dns.drop("mx.good.");
        DnssecResolver quick = new DnssecResolver(List.of(dns.address()), root.trustAnchor(), clock, java.time.Duration.ofMillis(300));
        assertInstanceOf(DnssecResolver.Answer.Failed.class, quick.lookup(silent, Type.A));
        long start = System.nanoTime();
        assertInstanceOf(DnssecResolver.Answer.Failed.class, quick.lookup(silent, Type.A));
        assertTrue(System.nanoTime() - start >= java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(250),
                "the second lookup went to the server again (and timed out again)");
    }
}
