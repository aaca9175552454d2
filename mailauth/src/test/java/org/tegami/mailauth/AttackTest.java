package org.tegami.mailauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tegami.mailauth.arc.ArcResult;
import org.tegami.mailauth.arc.ArcVerdict;
import org.tegami.mailauth.arc.ArcVerifier;
import org.tegami.mailauth.dkim.DkimKeyRecord;
import org.tegami.mailauth.dkim.DkimResult;
import org.tegami.mailauth.dkim.DkimSignature;
import org.tegami.mailauth.dkim.DkimSyntaxException;
import org.tegami.mailauth.dkim.DkimVerdict;
import org.tegami.mailauth.dkim.DkimVerifier;
import org.tegami.mailauth.dkim.TagList;
import org.tegami.mailauth.dmarc.DmarcRecord;
import org.tegami.mailauth.spf.SpfEvaluator;
import org.tegami.mailauth.spf.SpfRecord;
import org.tegami.mailauth.spf.SpfResult;
import org.tegami.mailauth.spf.SpfSyntaxException;
import org.tegami.mailauth.spf.SpfVerdict;

/** Hostile input for every parser of strangers' bytes: each ends in its declared error, quickly, with bounded DNS. */
@Timeout(20)
class AttackTest {
    static final InstantSource NOW = InstantSource.fixed(Instant.parse("2026-11-28T21:00:00Z"));

    private static SpfVerdict spf(ZoneDns zone, String sender) throws Exception {
        return new SpfEvaluator(zone, "mx.test", NOW).checkMailFrom(InetAddress.getByName("192.0.2.1"), sender, "helo.test");
    }

    @Test
    void spfHugeRecordsAndThousandsOfTerms() throws Exception {
        assertThrows(SpfSyntaxException.class, () -> SpfRecord.parse("v=spf1 " + "a".repeat(100_000)));
        assertThrows(SpfSyntaxException.class, () -> SpfRecord.parse("v=spf1" + " ip4:192.0.2.1".repeat(200)));
        ZoneDns zone = new ZoneDns().txt("a.test", "v=spf1" + " ?a".repeat(1000) + " -all");
        assertEquals(SpfResult.PERMERROR, spf(zone, "x@a.test").result());
        assertTrue(zone.queries.get() <= 1);
    }

    @Test
    void spfIncludeAndRedirectLoopsEndInPermerror() throws Exception {
        ZoneDns loop = new ZoneDns().txt("a.test", "v=spf1 include:b.test -all").txt("b.test", "v=spf1 include:a.test -all");
        assertEquals(SpfResult.PERMERROR, spf(loop, "x@a.test").result());
        assertTrue(loop.queries.get() <= 12, loop.queries + " queries");
        ZoneDns self = new ZoneDns().txt("a.test", "v=spf1 redirect=a.test");
        assertEquals(SpfResult.PERMERROR, spf(self, "x@a.test").result());
        // a chain 1000 deep: the tenth include is refused, no stack overflow
        ZoneDns deep = new ZoneDns();
        for (int i = 0; i < 1000; i++) deep.txt("d" + i + ".test", "v=spf1 include:d" + (i + 1) + ".test -all");
        SpfVerdict v = spf(deep, "x@d0.test");
        assertEquals(SpfResult.PERMERROR, v.result());
        assertTrue(v.reason().contains("DNS-querying"), v.reason());
    }

    @Test
    void spfMacroBombsAndLookupAmplification() throws Exception {
        String sender = "x".repeat(60) + "@a.test";
        ZoneDns bomb = new ZoneDns().txt("a.test", "v=spf1 exists:" + "%{s}%{l}%{o}".repeat(300) + ".x.test -all");
        SpfVerdict v = spf(bomb, sender);
        assertEquals(SpfResult.PERMERROR, v.result()); // RFC 7208 §7.3: the expansion is bounded
        // each mx may name 10 hosts and each of 10 mechanisms may be an mx: at most 10 × (1 + 10) address lookups
        ZoneDns amp = new ZoneDns().txt("a.test", "v=spf1" + " mx:m.test".repeat(10) + " -all");
        for (int i = 0; i < 10; i++) amp.add("m.test", "MX", new org.tegami.mailauth.dns.Dns.Mx(i, "h" + i + ".test"));
        assertEquals(SpfResult.FAIL, spf(amp, "x@a.test").result());
        assertTrue(amp.queries.get() <= 1 + 10 * 11, amp.queries + " queries");
        ZoneDns manyMx = new ZoneDns().txt("a.test", "v=spf1 mx -all");
        for (int i = 0; i < 1000; i++) manyMx.add("a.test", "MX", new org.tegami.mailauth.dns.Dns.Mx(i, "h" + i + ".test"));
        assertEquals(SpfResult.PERMERROR, spf(manyMx, "x@a.test").result()); // RFC 7208 §4.6.4
        ZoneDns voids = new ZoneDns().txt("a.test", "v=spf1 a:n1.test a:n2.test a:n3.test a:n4.test -all");
        assertEquals(SpfResult.PERMERROR, spf(voids, "x@a.test").result());
        assertEquals(4, voids.queries.get()); // the third void lookup ends it
    }

    @Test
    void dkimTagFloodsAndHugeValues() {
        StringBuilder tags = new StringBuilder("v=1");
        for (int i = 0; i < 10_000; i++) tags.append("; t").append(i).append("=x");
        assertThrows(DkimSyntaxException.class, () -> DkimSignature.parse(tags.toString(), false));
        assertThrows(DkimSyntaxException.class, () -> TagList.parse("a=" + "x".repeat(100_000)));
        assertThrows(DkimSyntaxException.class, () -> DkimSignature.parse("v=1; a=rsa-sha256; d=a.test; s=s; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=dGVzdA==; h="
                + "from:".repeat(5000) + "from", false));
        assertThrows(DkimSyntaxException.class, () -> DkimSignature.parse("v=1; v=1; a=rsa-sha256", false));
        assertThrows(DkimSyntaxException.class, () -> DkimKeyRecord.parse("v=DKIM1; p=" + "A".repeat(20_000)));
        assertThrows(DkimSyntaxException.class, () -> DmarcRecord.parse("v=DMARC1; p=reject" + "; x=y".repeat(5000)));
    }

    @Test
    void thousandsOfSignaturesCostEightLookups() throws Exception {
        StringBuilder msg = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            msg.append("DKIM-Signature: v=1; a=rsa-sha256; d=d").append(i).append(".test; s=s; h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=dGVzdA==\r\n");
        }
        msg.append("From: a@a.test\r\n\r\nbody\r\n");
        ZoneDns zone = new ZoneDns();
        List<DkimVerdict> v = new DkimVerifier(zone, NOW).verify(new ByteArrayInputStream(msg.toString().getBytes(StandardCharsets.US_ASCII)));
        assertEquals(DkimVerifier.MAX_SIGNATURES, v.size());
        assertTrue(v.stream().allMatch(x -> x.result() == DkimResult.PERMERROR));
        assertEquals(DkimVerifier.MAX_SIGNATURES, zone.queries.get());
        // a header section beyond the limit is refused before any work
        String huge = "X-Junk: " + "x".repeat(HeaderSection.MAX_BYTES) + "\r\n\r\n";
        assertThrows(java.io.IOException.class, () -> new DkimVerifier(zone, NOW).verify(new ByteArrayInputStream(huge.getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void arcFloodsFailWithoutLookups() throws Exception {
        StringBuilder msg = new StringBuilder();
        for (int i = 1; i <= 60; i++) {
            msg.append("ARC-Seal: i=").append(i).append("; a=rsa-sha256; cv=pass; d=x.test; s=s; b=dGVzdA==\r\n");
            msg.append("ARC-Message-Signature: i=").append(i).append("; a=rsa-sha256; d=x.test; s=s; h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=dGVzdA==\r\n");
            msg.append("ARC-Authentication-Results: i=").append(i).append("; x.test; arc=pass\r\n");
        }
        msg.append("From: a@a.test\r\n\r\nbody\r\n");
        ZoneDns zone = new ZoneDns();
        ArcVerdict v = new ArcVerifier(zone, NOW).verify(new ByteArrayInputStream(msg.toString().getBytes(StandardCharsets.US_ASCII)));
        assertEquals(ArcResult.FAIL, v.result());
        assertEquals(0, zone.queries.get());
    }

    @Test
    void authResultsNestingAndFloods() {
        assertThrows(IllegalArgumentException.class, () -> AuthResults.parse("mx " + "(".repeat(10_000) + ")".repeat(10_000)));
        assertThrows(IllegalArgumentException.class, () -> AuthResults.parse("mx" + "; spf=pass".repeat(10_000)));
        assertThrows(IllegalArgumentException.class, () -> AuthResults.parse("mx; spf=pass reason=\"" + "x".repeat(20_000)));
    }
}
