package org.tegami.mailauth.dmarc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.tegami.mailauth.HeaderSection;
import org.tegami.mailauth.ZoneDns;
import org.tegami.mailauth.dkim.DkimResult;
import org.tegami.mailauth.dkim.DkimSyntaxException;
import org.tegami.mailauth.dkim.DkimVerdict;
import org.tegami.mailauth.spf.SpfResult;
import org.tegami.mailauth.spf.SpfVerdict;

/** DMARC policy discovery, alignment and disposition (RFC 7489). */
class DmarcEvaluatorTest {
    /** A generator whose nextInt is always {@code value}: decides pct= sampling. */
    private static RandomGenerator fixed(int value) {
        return new RandomGenerator() {
            @Override public long nextLong() { return value; }
            @Override public int nextInt(int bound) { return value; }
        };
    }

    private final ZoneDns dns = new ZoneDns()
            .txt("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine; np=reject; rua=mailto:d@example.com")
            .txt("_dmarc.strict.test", "v=DMARC1; p=quarantine; adkim=s; aspf=s")
            .txt("_dmarc.half.test", "v=DMARC1; p=reject; pct=50")
            .txt("_dmarc.trial.test", "v=DMARC1; p=reject; t=y")
            .txt("_dmarc.two.test", "v=DMARC1; p=reject").txt("_dmarc.two.test", "v=DMARC1; p=none")
            .txt("_dmarc.other.test", "v=spf1 -all")
            .a("www.example.com", "192.0.2.1")
            .timeout("_dmarc.slow.test");
    private final DmarcEvaluator dmarc = new DmarcEvaluator(dns, fixed(0));

    private static SpfVerdict spf(SpfResult r, String domain) {
        return new SpfVerdict(r, domain, "x@" + domain, Optional.empty(), "");
    }

    private static DkimVerdict dkim(DkimResult r, String d) {
        return new DkimVerdict(r, d, "s", "@" + d, "rsa-sha256", "abc", "", false);
    }

    @Test
    void organizationalDomainComesFromThePublicSuffixList() {
        assertEquals("example.co.uk", OrganizationalDomain.of("mail.example.co.uk"));
        assertEquals("example.com", OrganizationalDomain.of("a.b.EXAMPLE.com."));
        assertEquals("example.com", OrganizationalDomain.of("example.com"));
        assertEquals("b.test", OrganizationalDomain.of("a.b.test")); // no listed suffix: the implicit "*" rule
        assertEquals("co.uk", OrganizationalDomain.of("co.uk")); // a public suffix is its own
    }

    @Test
    void alignedDkimOrSpfPasses() {
        DmarcVerdict v = dmarc.evaluate("example.com", spf(SpfResult.FAIL, "bounce.other.test"), List.of(dkim(DkimResult.PASS, "mail.example.com")));
        assertEquals(DmarcResult.PASS, v.result());
        assertTrue(v.dkimAligned());
        assertEquals(DmarcPolicy.NONE, v.disposition());
        v = dmarc.evaluate("example.com", spf(SpfResult.PASS, "bounces.example.com"), List.of());
        assertEquals(DmarcResult.PASS, v.result());
        assertTrue(v.spfAligned());
        // a passing but unaligned signature does not count
        v = dmarc.evaluate("example.com", spf(SpfResult.PASS, "other.test"), List.of(dkim(DkimResult.PASS, "other.test")));
        assertEquals(DmarcResult.FAIL, v.result());
        assertEquals(DmarcPolicy.REJECT, v.disposition());
        // policy and permerror signatures do not count
        v = dmarc.evaluate("example.com", null, List.of(dkim(DkimResult.POLICY, "example.com")));
        assertEquals(DmarcResult.FAIL, v.result());
    }

    @Test
    void strictAlignmentNeedsTheSameName() {
        DmarcVerdict v = dmarc.evaluate("strict.test", spf(SpfResult.PASS, "b.strict.test"), List.of(dkim(DkimResult.PASS, "a.strict.test")));
        assertEquals(DmarcResult.FAIL, v.result());
        assertEquals(DmarcPolicy.QUARANTINE, v.disposition());
        assertEquals(DmarcResult.PASS, dmarc.evaluate("strict.test", null, List.of(dkim(DkimResult.PASS, "strict.test"))).result());
    }

    @Test
    void subdomainsTakeSpAndNonExistentOnesNp() {
        DmarcVerdict v = dmarc.evaluate("www.example.com", null, List.of());
        assertEquals(DmarcResult.FAIL, v.result());
        assertEquals("example.com", v.policyDomain());
        assertEquals(DmarcPolicy.QUARANTINE, v.disposition()); // sp=
        v = dmarc.evaluate("nowhere.example.com", null, List.of());
        assertEquals(DmarcPolicy.REJECT, v.disposition()); // DMARCbis np=: NXDOMAIN
    }

    @Test
    void pctAndTestingWeakenThePolicy() {
        assertEquals(DmarcPolicy.REJECT, new DmarcEvaluator(dns, fixed(49)).evaluate("half.test", null, List.of()).disposition());
        assertEquals(DmarcPolicy.QUARANTINE, new DmarcEvaluator(dns, fixed(50)).evaluate("half.test", null, List.of()).disposition());
        assertEquals(DmarcPolicy.QUARANTINE, dmarc.evaluate("trial.test", null, List.of()).disposition());
    }

    @Test
    void noneTemperrorAndSeveralRecords() {
        assertEquals(DmarcResult.NONE, dmarc.evaluate("nothing.test", null, List.of()).result());
        assertEquals(DmarcResult.NONE, dmarc.evaluate("other.test", null, List.of()).result());
        DmarcVerdict two = dmarc.evaluate("two.test", null, List.of());
        assertEquals(DmarcResult.NONE, two.result()); // RFC 7489 §6.6.3
        assertTrue(two.reasons().getFirst().contains("several"));
        assertEquals(DmarcResult.TEMPERROR, dmarc.evaluate("slow.test", null, List.of()).result());
    }

    private DmarcVerdict message(String header) throws Exception {
        HeaderSection h = HeaderSection.read(new ByteArrayInputStream((header + "\r\nbody\r\n").getBytes(StandardCharsets.UTF_8)));
        return dmarc.evaluate(h, spf(SpfResult.NONE, "x.test"), List.of(dkim(DkimResult.PASS, "example.com")));
    }

    @Test
    void fromFieldRules() throws Exception {
        assertEquals(DmarcResult.PASS, message("From: A <a@example.com>\r\nTo: b@x.test\r\n").result());
        DmarcVerdict none = message("To: b@x.test\r\n");
        assertEquals(DmarcResult.PERMERROR, none.result());
        assertEquals(DmarcPolicy.NONE, none.disposition(), "no From impersonates nobody: local policy delivers it");
        DmarcVerdict two = message("From: a@example.com\r\nFrom: a@evil.test\r\n");
        assertEquals(DmarcResult.PERMERROR, two.result());
        assertEquals(DmarcPolicy.REJECT, two.disposition(), "a second From could show an unchecked domain");
        assertTrue(two.reasons().getFirst().contains("2 From fields"), two.reasons()::toString);
        // one field, two domains: the strictest outcome (example.com passes, strict.test fails with quarantine)
        DmarcVerdict mixed = message("From: a@example.com, b@strict.test\r\n");
        assertEquals(DmarcResult.FAIL, mixed.result());
        assertEquals("strict.test", mixed.fromDomain());
        assertEquals(DmarcResult.PERMERROR, message("From: a@a.test, b@b.test, c@c.test, d@d.test, e@e.test\r\n").result());
    }

    @Test
    void recordParsing() throws Exception {
        DmarcRecord r = DmarcRecord.parse("v=DMARC1;p=quarantine;pct=250;adkim=x;sp=bogus");
        assertEquals(DmarcPolicy.QUARANTINE, r.sp()); // invalid values fall back to defaults
        assertEquals(100, r.pct());
        assertFalse(r.strictDkim());
        assertEquals(DmarcPolicy.NONE, DmarcRecord.parse("v=DMARC1; p=bogus; rua=mailto:x@y.test").p()); // RFC 7489 §6.6.3
        assertThrows(DkimSyntaxException.class, () -> DmarcRecord.parse("v=DMARC1; p=bogus"));
        assertThrows(DkimSyntaxException.class, () -> DmarcRecord.parse("p=reject; v=DMARC1"));
        assertThrows(DkimSyntaxException.class, () -> DmarcRecord.parse("v=DMARC1; p=reject; p=none"));
        assertThrows(DkimSyntaxException.class, () -> DmarcRecord.parse("v=DMARC1; p=reject; " + "x=y; ".repeat(1000)));
    }
}
