package org.tegami.sieve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** :matches globs (RFC 5228 §2.7.1), i;ascii-numeric (RFC 4790 §9.1), relational (RFC 5231), subaddress (RFC 5233). */
class MatchTest {
    private final Fixture f = new Fixture();

    private static List<String> glob(String value, String pattern) {
        return new Comparator("i;ascii-casemap", new Budget(1_000_000)).matches(value, pattern);
    }

    @Test
    void globs() {
        assertEquals(List.of(), glob("abc", "abc"));
        assertEquals(List.of("b"), glob("abc", "a?c"));
        assertEquals(List.of("bc"), glob("abc", "a*"));
        assertEquals(List.of("", "abc"), glob("abc", "**"));
        assertEquals(List.of("acme-users", "[fwd] version 1.0 is out"), glob("[acme-users] [fwd] version 1.0 is out", "[*] *"));
        assertEquals(List.of("a", "b.c"), glob("a.b.c", "*.*"));
        assertEquals(List.of("", "ACME.Example"), glob("coyote@ACME.Example.COM", "coyote@**.com"));
        assertNull(glob("abc", "a?"));
        assertNull(glob("ab", "a?b*"));
        assertEquals(List.of(), glob("a*b", "a\\*b"));
        assertNull(glob("axb", "a\\*b"));
        assertEquals(List.of(), glob("a?b", "a\\?b"));
        assertEquals(List.of("x", "\u263a"), glob("x\u263a", "*?"));
        assertNull(glob("abcab", "*ab*abx"));
        assertEquals(List.of("ab", "", ""), glob("abxxab", "*xx*ab*"));
        assertEquals(List.of("", ""), glob("", "**"));
    }

    /** A plain backtracking matcher, leftmost-shortest for every star: the reference for the linear one. */
    private static List<String> reference(String v, int vi, String p, int pi, List<String> groups) {
        if (pi == p.length()) return vi == v.length() ? groups : null;
        char c = p.charAt(pi);
        if (c == '*') {
            for (int end = vi; end <= v.length(); end++) {
                List<String> g = new java.util.ArrayList<>(groups);
                g.add(v.substring(vi, end));
                List<String> r = reference(v, end, p, pi + 1, g);
                if (r != null) return r;
            }
            return null;
        }
        if (vi == v.length()) return null;
        if (c == '?') {
            List<String> g = new java.util.ArrayList<>(groups);
            g.add(v.substring(vi, vi + 1));
            return reference(v, vi + 1, p, pi + 1, g);
        }
        return Character.toUpperCase(c) == Character.toUpperCase(v.charAt(vi)) ? reference(v, vi + 1, p, pi + 1, groups) : null;
    }

    @Test
    void globAgreesWithBacktrackingReference() {
        java.util.Random random = new java.util.Random(5228);
        String alphabet = "abAB";
        String patternAlphabet = "abB*?";
        for (int n = 0; n < 50_000; n++) {
            StringBuilder v = new StringBuilder(), p = new StringBuilder();
            for (int i = random.nextInt(9); i > 0; i--) v.append(alphabet.charAt(random.nextInt(alphabet.length())));
            for (int i = random.nextInt(7); i > 0; i--) p.append(patternAlphabet.charAt(random.nextInt(patternAlphabet.length())));
            List<String> expected = reference(v.toString(), 0, p.toString(), 0, List.of());
            assertEquals(expected, glob(v.toString(), p.toString()), () -> v + " ~ " + p);
        }
    }

    @Test
    void asciiNumeric() {
        Comparator n = new Comparator("i;ascii-numeric", new Budget(1000));
        assertEquals(0, n.compare("007", "7"));
        assertTrue(n.compare("10", "9") > 0);
        assertTrue(n.compare("abc", "99999999999999999999") > 0); // no digits is positive infinity
        assertEquals(0, n.compare("x", "y"));
        assertTrue(n.compare("123456789012345678901234567890", "123456789012345678901234567891") < 0);
    }

    private static final String RFC5231_MESSAGE = """
            Received: ...\r
            Received: ...\r
            Subject: example\r
            To: foo@example.com, baz@example.com\r
            CC: qux@example.com\r
            \r
            body\r
            """;

    private boolean fires(String test) {
        Result r = f.run("require [\"relational\", \"comparator-i;ascii-numeric\", \"fileinto\"]; if " + test
                + " { fileinto \"yes\"; }", RFC5231_MESSAGE);
        return r.actions().contains(Fixture.fileinto("yes"));
    }

    @Test
    void rfc5231Examples() {
        // RFC 5231 §6
        assertTrue(fires("address :count \"ge\" :comparator \"i;ascii-numeric\" [\"to\", \"cc\"] [\"3\"]"));
        assertFalse(fires("anyof ( address :count \"ge\" :comparator \"i;ascii-numeric\" [\"to\"] [\"3\"],"
                + " address :count \"ge\" :comparator \"i;ascii-numeric\" [\"cc\"] [\"3\"] )"));
        assertFalse(fires("header :count \"ge\" :comparator \"i;ascii-numeric\" [\"received\"] [\"3\"]"));
        assertTrue(fires("header :count \"ge\" :comparator \"i;ascii-numeric\" [\"received\", \"subject\"] [\"3\"]"));
        assertFalse(fires("header :count \"ge\" :comparator \"i;ascii-numeric\" [\"to\", \"cc\"] [\"3\"]"));
    }

    @Test
    void relationalValue() {
        assertTrue(f.fires("\"relational\", \"comparator-i;ascii-numeric\"", "header :value \"gt\" :comparator \"i;ascii-numeric\" \"X-Number\" \"40\""));
        assertFalse(f.fires("\"relational\", \"comparator-i;ascii-numeric\"", "header :value \"gt\" :comparator \"i;ascii-numeric\" \"X-Number\" \"42\""));
        assertTrue(f.fires("\"relational\", \"comparator-i;ascii-numeric\"", "header :value \"lt\" :comparator \"i;ascii-numeric\" \"X-Number\" \"8\""));
        assertTrue(f.fires("\"relational\"", "header :value \"ne\" \"Subject\" \"x\""));
        assertTrue(f.fires("\"relational\"", "header :value \"lt\" \"X-Caffeine\" \"d\"")); // casemap ordering
        Fixture.assertCompileError("require \"relational\"; if header :value \"xx\" \"a\" \"b\" {}", "bad relational operator");
        Fixture.assertCompileError("if header :count \"eq\" \"a\" \"b\" {}", "needs require \"relational\"");
    }

    @Test
    void subaddress() {
        // RFC 5233 §4
        String req = "\"subaddress\", \"envelope\"";
        assertTrue(f.fires(req, "address :user :is \"to\" \"roadrunner\""));
        assertTrue(f.fires(req, "address :detail :is \"to\" \"acme\""));
        assertTrue(f.fires(req, "envelope :detail :is \"to\" \"acme\""));
        assertTrue(f.fires(req, "envelope :user :is \"to\" \"roadrunner\""));
        // no separator: :detail does not match, not even ""
        assertFalse(f.fires(req, "address :detail :is \"from\" \"\""));
        assertTrue(f.fires(req, "address :user :is \"from\" \"coyote\""));
        Fixture.assertCompileError("if address :user \"to\" \"x\" {}", "needs require \"subaddress\"");
    }
}
