package org.tegami.queue.mtasts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** RFC 8461 §3.2 policy syntax and §4.1 MX matching. */
class MtaStsPolicyTest {

    @Test
    void parsesThePolicyOfTheRfcExample() {
        var p = MtaStsPolicy.parse("version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\nmx: backupmx.example.com\nmax_age: 604800\n");
        assertEquals(Optional.of(new MtaStsPolicy(MtaStsPolicy.Mode.ENFORCE,
                List.of("mail.example.com", "*.example.net", "backupmx.example.com"), Duration.ofSeconds(604800))), p);
    }

    @Test
    void rejectsInvalidPolicies() {
        assertEquals(Optional.empty(), MtaStsPolicy.parse("version: STSv2\nmode: enforce\nmx: a\nmax_age: 1\n"));
        assertEquals(Optional.empty(), MtaStsPolicy.parse("version: STSv1\nmode: strict\nmx: a\nmax_age: 1\n"));
        assertEquals(Optional.empty(), MtaStsPolicy.parse("version: STSv1\nmode: enforce\nmax_age: 1\n"), "no mx");
        assertEquals(Optional.empty(), MtaStsPolicy.parse("version: STSv1\nmode: enforce\nmx: a\n"), "no max_age");
        assertEquals(Duration.ofSeconds(31_557_600), MtaStsPolicy.parse("version: STSv1\r\nmode: testing\r\nmx: a\r\nmax_age: 99999999\r\n")
                .orElseThrow().maxAge(), "capped at a year");
    }

    @Test
    void wildcardMatchesExactlyOneLabel() {
        var p = MtaStsPolicy.parse("version: STSv1\nmode: enforce\nmx: *.example.net\nmx: mail.example.com\nmax_age: 1\n").orElseThrow();
        assertTrue(p.allows("mx1.example.net"));
        assertTrue(p.allows("MX1.Example.NET."));
        assertTrue(p.allows("mail.example.com"));
        assertFalse(p.allows("example.net"));
        assertFalse(p.allows("a.b.example.net"));
        assertFalse(p.allows("evil-example.net"));
        assertFalse(p.allows("mail.example.com.evil.test"));
    }

    @Test
    void txtRecordId() {
        assertEquals(Optional.of("20160831085700Z"), MtaStsResolver.idOf("v=STSv1; id=20160831085700Z;"));
        assertEquals(Optional.empty(), MtaStsResolver.idOf("v=spf1 -all"));
    }

    @Test
    void chunkedPolicyResponses() throws Exception {
        assertEquals("version: STSv1\r\nmode: enforce\r\n", MtaStsResolver.dechunk(
                "10\r\nversion: STSv1\r\n\r\nf;ext=1\r\nmode: enforce\r\n\r\n0\r\n\r\n"));
        for (String bad : java.util.List.of("zz\r\nabc\r\n0\r\n\r\n", "10\r\nshort\r\n", "3\r\nabcdef\r\n0\r\n\r\n",
                "3\r\nabc", "fffffff\r\n")) {
            org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> MtaStsResolver.dechunk(bad), bad);
        }
    }

    @Test
    void policyIdsAndMxPatternsAreWhatTheRfcAllows() {
        assertEquals(Optional.empty(), MtaStsResolver.idOf("v=STSv1; id=has\ttab"));
        assertEquals(Optional.empty(), MtaStsResolver.idOf("v=STSv1; id=" + "a".repeat(33)));
        assertEquals(java.util.List.of("mx.example.com", "*.example.net"), MtaStsPolicy.parse(
                "version: STSv1\nmode: enforce\nmx: mx.example.com\nmx: bad\thost\nmx: *.example.net\nmx: a,b\nmax_age: 60\n")
                .orElseThrow().mx());
    }
}
